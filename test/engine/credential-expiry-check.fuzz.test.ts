/**
 * Credential Expiry Check fuzz (issue 14, "Done when"): random and adversarial items
 * (deep, wide, huge strings, hostile keys, invalid UTF-16, wrong types, planted secrets)
 * through the sources that read input items, in the n8n engine: the register from input
 * items and tokens (the token field pointed at a planted password, the headers field at
 * headers carrying a Bearer token and a cookie), with alert memory on the embedded store.
 * Each case: every input item leaves on exactly one output or as an error item, the run
 * ends within its bound, and no planted secret appears anywhere it was not in the input.
 */
import { after, before, describe, test } from 'node:test';

import type { INodeParameters } from 'n8n-workflow';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { assertNoSecretLeak, fuzzCases, withinMs } from '../support/fuzz';
import {
	assertEachInputLeavesOnce,
	buildWorkflow,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_SOURCE,
} from './harness';

const CHECK = 'n8n-nodes-integration-guards.credentialExpiryCheck';
const CASE_MS = 60_000;
let counter = 0;

const sources: Array<{ name: string; parameters: INodeParameters }> = [
	{
		name: 'register from input items',
		parameters: {
			sources: ['register'],
			registerSource: 'input',
			nameField: 'id',
			expiresField: 'amount',
			ownerField: 'email',
		},
	},
	{
		name: 'tokens',
		parameters: {
			sources: ['tokens'],
			tokenField: 'password',
			headersField: 'headers',
			credentialNameField: 'id',
		},
	},
	{
		name: 'tokens from a text field',
		parameters: {
			sources: ['tokens'],
			tokenField: 'note',
			headersField: 'payload',
			credentialNameField: 'name',
		},
	},
];

describe('Credential Expiry Check fuzz', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	for (const source of sources) {
		describe(source.name, () => {
			for (const fuzz of fuzzCases({ seed: 14 })) {
				test(fuzz.name, async () => {
					const parameters = {
						...source.parameters,
						alertMemory: true,
						store: 'embedded',
						scope: `fuzz-${process.pid}-${++counter}`,
						options: { attachCalendar: true },
					};
					const workflow = buildWorkflow(
						[
							{ name: 'Source', type: TEST_SOURCE, parameters: { items: fuzz.items } },
							{ name: 'Guard', type: CHECK, parameters, onError: 'continueErrorOutput' },
						],
						[['Source', 'Guard']],
					);
					const result = await withinMs(CASE_MS, `${source.name}: ${fuzz.name}`, () =>
						runWorkflow({ workflow }),
					);
					if (result.status !== 'success')
						throw new Error(
							`${source.name}: ${fuzz.name}: the run ${result.status}: ${result.error?.message}`,
						);
					assertEachInputLeavesOnce(result, 'Guard');
					assertNoSecretLeak(result, 'Guard', fuzz.secrets);
				});
			}
		});
	}
});
