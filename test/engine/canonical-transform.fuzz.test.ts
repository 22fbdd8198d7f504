/**
 * Canonical Transform fuzzed through the n8n engine (issue 14): random and adversarial
 * items (deep, wide, huge strings, hostile keys, invalid UTF-16, wrong types, planted
 * secrets) through a mapping that uses every converter, and one with a custom date
 * format of adjacent variable-width tokens. Every input item leaves on the output or the
 * error output exactly once, within a bounded time, and no planted secret appears
 * anywhere but where the input held it: the mapping maps none of them, and error
 * messages quote values only redacted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import { assertNoSecretLeak, fuzzCases, withinMs } from '../support/fuzz';
import { row } from './canonical-transform.fixtures';
import {
	assertEachInputLeavesOnce,
	buildWorkflow,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	TEST_SOURCE,
} from './harness';

const CANONICAL_TRANSFORM = 'n8n-nodes-integration-guards.canonicalTransform';
const MAP = 'Map';

const EVERY_CONVERTER: IDataObject[] = [
	row('ref', 'id', 'copy', { missing: 'skip' }),
	row('contact.email', 'email', 'email', { missing: 'skip' }),
	row('contact.name', 'name', 'string', { textCase: 'title', missing: 'skip' }),
	row('contact.phone', 'type', 'phone', { missing: 'skip' }),
	row('contact.abn', 'id', 'abn', { missing: 'skip' }),
	row('total', 'amount', 'money', { currency: 'AUD', moneyOutput: 'object', missing: 'skip' }),
	row('count', 'amount', 'number', { missing: 'skip' }),
	row('state', 'status', 'valueMap', {
		valueMap: '{ "active": "open", "paused": "held" }',
		missing: 'skip',
	}),
	row('flag', 'status', 'boolean', { missing: 'skip' }),
	row('when', 'text', 'date', { dateOutput: 'iso', missing: 'skip' }),
	row('lines[*].sku', 'items[*].sku', 'string', { missing: 'skip' }),
	row('trace', 'correlationId', 'string', { missing: 'skip' }),
	// Secrets in fields that fail to convert: the error quotes their values, redacted.
	row('pin', 'password', 'number', { missing: 'skip' }),
	row('auth', 'headers.authorization', 'number', { missing: 'skip' }),
];

const CUSTOM_DATE: IDataObject[] = [
	row('ref', 'id', 'copy', { missing: 'skip' }),
	row('when', 'name', 'date', {
		dateInput: 'custom',
		dateInputFormat: 'HmSHmSHmSHmSHmSHmSHmSHmSHmSHmSHmSHmSHmSHmSHmS',
		missing: 'skip',
	}),
	row('at', 'amount', 'date', {
		dateInput: 'custom',
		dateInputFormat: 'dd MMM yyyy HH:mm',
		missing: 'skip',
	}),
];

const fieldsMapping = (rows: IDataObject[]) => ({
	mappingSource: 'fields',
	mappings: { field: rows as unknown as string[] },
	profile: { zone: 'Australia/Sydney', defaultCountry: 'AU' },
});

/** Version 1.1's Stripe Invoice preset: required fields, Stripe's minor units, [*] lines. */
const STRIPE_PRESET = {
	mappingSource: 'preset',
	presetSource: 'stripeInvoice',
	profile: { defaultCountry: 'AU' },
};

function workflow(items: string, mapping: IDataObject, typeVersion = 1) {
	return buildWorkflow(
		[
			{ name: 'Source', type: TEST_SOURCE, parameters: { items } },
			{
				name: MAP,
				type: CANONICAL_TRANSFORM,
				typeVersion,
				parameters: { operation: 'transform', ...(mapping as Record<string, string>) },
				onError: 'continueErrorOutput',
			},
			{ name: 'Out', type: TEST_NOOP },
			{ name: 'Errors', type: TEST_NOOP },
		],
		[
			['Source', MAP],
			[MAP, 0, 'Out'],
			[MAP, 1, 'Errors'],
		],
	);
}

before(startEngine);
after(stopEngine);

for (const [name, rows, mapping, typeVersion] of [
	['every converter', EVERY_CONVERTER, fieldsMapping(EVERY_CONVERTER), 1],
	['custom date formats', CUSTOM_DATE, fieldsMapping(CUSTOM_DATE), 1],
	['Stripe Invoice preset (1.1)', undefined, STRIPE_PRESET, 1.1],
] as const) {
	describe(`Canonical Transform fuzz: ${name}`, () => {
		for (const fuzz of fuzzCases({ seed: 14 })) {
			test(fuzz.name, async () => {
				const result = await withinMs(60_000, fuzz.name, () =>
					runWorkflow({ workflow: workflow(fuzz.items, mapping, typeVersion) }),
				);
				assert.equal(result.status, 'success', result.error?.message);
				assertEachInputLeavesOnce(result, MAP);
				assertNoSecretLeak(result, MAP, fuzz.secrets);
				if (rows === EVERY_CONVERTER && fuzz.items.includes('"password"')) {
					assert.ok(
						result.output(MAP, 1).length > 0,
						'items with a password fail its conversion to a number: the error quotes it',
					);
				}
			});
		}
	});
}
