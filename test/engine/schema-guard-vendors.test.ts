/**
 * Real vendor schemas through Schema Guard in the real engine: Stripe's charge, customer
 * and product components (OpenAPI 3.0: `nullable`, `anyOf` around `$ref`s, the vendor's
 * own `unix-time` format and x- keywords), trimmed and committed under
 * test/fixtures/vendor-schemas with Stripe's own example payloads (see its README).
 * Each compiles; the vendor's example goes to Valid; a changed type, a missing required
 * field and an unknown field in a closed object go to Invalid with a reason naming the path.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { startEngine, stopEngine } from './harness';
import { findPackageRoot } from './node-types';
import { runGuard, type GuardRun } from './schema-guard-hostile.cases';

const FIXTURES = path.join(findPackageRoot(), 'test', 'fixtures', 'vendor-schemas');

const read = (file: string): IDataObject =>
	JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as IDataObject;

interface VendorCase {
	name: string;
	/** A field whose type the test changes, with the wrong-typed value. */
	typeChange: { path: string[]; value: unknown };
	/** A required field the test removes. */
	required: string;
}

const CASES: VendorCase[] = [
	{
		name: 'charge',
		typeChange: { path: ['amount'], value: '100' },
		required: 'currency',
	},
	{ name: 'customer', typeChange: { path: ['balance'], value: '0' }, required: 'created' },
	{ name: 'product', typeChange: { path: ['active'], value: 'yes' }, required: 'name' },
];

function setPath(target: IDataObject, keys: string[], value: unknown): IDataObject {
	const copy = structuredClone(target);
	let node = copy;
	for (const key of keys.slice(0, -1)) node = node[key] as IDataObject;
	node[keys[keys.length - 1]] = value as IDataObject;
	return copy;
}

/** Path segments in order, however the reason writes them (a.b, /a/b, a[0]). */
const namesPath = (keys: string[]) => new RegExp(keys.join('[^"]{0,8}'));

/** Where the items went; the Invalid reasons travel in the message when it differs. */
function assertRoutes(run: GuardRun, expected: { valid: number[]; invalid: number[] }): void {
	assert.equal(run.status, 'success', JSON.stringify(run.error ?? run.nodeError));
	assert.equal(run.nodeError, undefined);
	assert.deepEqual(
		{ valid: run.valid, invalid: run.invalid },
		expected,
		`Invalid reasons: ${run.invalidResults.join('\n').slice(0, 2000)}`,
	);
}

describe('Schema Guard: real vendor schemas (Stripe OpenAPI 3.0 components)', () => {
	before(async () => await startEngine());
	after(async () => {
		await stopEngine();
		await closeAllStores();
	});

	for (const vendorCase of CASES) {
		const schema = read(`stripe-${vendorCase.name}.schema.json`);
		const payload = read(`stripe-${vendorCase.name}.payload.json`);

		for (const dialect of ['openapi3.0', 'auto']) {
			test(`${vendorCase.name} (dialect ${dialect}): compiles, and Stripe's example is Valid`, async () => {
				const run = await runGuard(schema, [payload], { options: { dialect } });
				assertRoutes(run, { valid: [0], invalid: [] });
			});
		}

		test(`${vendorCase.name}: a changed type and a missing required field are Invalid, naming the path`, async () => {
			const { typeChange, required } = vendorCase;
			const missing = structuredClone(payload);
			delete missing[required];
			const run = await runGuard(
				schema,
				[payload, setPath(payload, typeChange.path, typeChange.value), missing],
				{ options: { dialect: 'openapi3.0' } },
			);
			assertRoutes(run, { valid: [0], invalid: [1, 2] });
			assert.match(run.invalidResults[0], namesPath(typeChange.path));
			assert.match(run.invalidResults[1], new RegExp(required));
		});

		test(`${vendorCase.name}, closed (additionalProperties: false): an unknown field is Invalid, naming it`, async () => {
			const closed = structuredClone(schema);
			const components = (closed.components as IDataObject).schemas as IDataObject;
			(components[vendorCase.name] as IDataObject).additionalProperties = false;
			const run = await runGuard(closed, [payload, { ...payload, surprise_field: 1 }], {
				options: { dialect: 'openapi3.0' },
			});
			assertRoutes(run, { valid: [0], invalid: [1] });
			assert.match(run.invalidResults[0], /surprise_field/);
		});
	}
});
