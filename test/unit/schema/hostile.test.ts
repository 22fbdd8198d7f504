/**
 * Hostile input: whatever an item holds, validation answers (valid, invalid, frozen)
 * and never throws, never hangs on a cycle, never writes through a prototype.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DriftCollector } from '../../../nodes/shared/core/schema/drift';
import { MAX_FINDINGS_PER_ITEM } from '../../../nodes/shared/core/schema/validate';
import { check, compile, object, problemList } from './helpers';

const TREE = compile({
	$defs: {
		node: object({ value: { type: 'integer' }, next: { $ref: '#/$defs/node' } }, ['value']),
	},
	$ref: '#/$defs/node',
});
const FLAT = compile(
	object(
		{ id: { type: 'integer' }, name: { type: 'string' }, blob: {}, meta: { type: 'object' } },
		['id'],
	),
);

function nested(levels: number): Record<string, unknown> {
	let value: Record<string, unknown> = { value: 1 };
	for (let level = 0; level < levels; level++) value = { value: 1, next: value };
	return value;
}

describe('hostile input', () => {
	it('makes an item nested beyond the stack invalid, with the reason, instead of crashing', () => {
		const verdict = check(TREE, nested(200_000));
		assert.equal(verdict.outcome, 'invalid');
		assert.equal(
			verdict.problems[0].message,
			'The item is nested too deeply to check: it holds a cycle, or thousands of levels',
		);
	});

	it('checks deep items the schema does describe, and ignores depth where it allows anything', () => {
		assert.equal(check(TREE, nested(500)).outcome, 'valid');
		assert.equal(check(FLAT, { id: 1, blob: nested(200_000) }).outcome, 'valid');
	});

	it('survives cycles: where the schema recurses it says so, where it allows anything it does not look', () => {
		const cycle: Record<string, unknown> = { value: 1 };
		cycle.next = cycle;
		assert.equal(check(TREE, cycle).outcome, 'invalid');
		assert.equal(check(FLAT, { id: 1, blob: cycle }).outcome, 'valid');
		const shared = { a: 1 };
		assert.equal(
			check(FLAT, { id: 1, blob: [shared, shared, { again: shared }] }).outcome,
			'valid',
			'the same object twice is not a cycle',
		);
	});

	it('quotes 40 characters of a 20 MB string, not the string', () => {
		const huge = 'x'.repeat(20_000_000);
		const verdict = check(FLAT, { id: huge });
		assert.equal(
			verdict.problems[0].received,
			`a string ("${'x'.repeat(40)}"… (20000000 characters))`,
		);
		assert.ok(verdict.problems[0].message.length < 200);
	});

	it('treats __proto__ as a field: reported as new, removed by Discard Value, no prototype touched', () => {
		const item = JSON.parse('{"id": 1, "__proto__": {"isAdmin": true}}') as Record<string, unknown>;
		const evolved = check(FLAT, item);
		assert.equal(evolved.outcome, 'valid');
		assert.deepEqual(
			evolved.changes.map((change) => change.path),
			['__proto__'],
		);
		const discarded = check(FLAT, item, { fieldAdded: 'discardValue' });
		assert.deepEqual(Object.keys(discarded.json as object), ['id']);
		assert.equal(Object.getPrototypeOf(discarded.json), Object.prototype);
		assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
		assert.ok(Object.prototype.hasOwnProperty.call(item, '__proto__'), 'the input keeps it');
	});

	it('reads fields named like Object.prototype members from the item, not the prototype', () => {
		// From JSON text: in an object literal, __proto__ would set the prototype instead.
		const properties = JSON.parse(
			'{"constructor": {"type": "string"}, "toString": {"type": "string"}, "__proto__": {"type": "object"}}',
		) as Record<string, unknown>;
		const schema = compile(object(properties, ['constructor']));
		assert.deepEqual(problemList(check(schema, {})), ['requiredMissing constructor']);
		assert.equal(check(schema, { constructor: 'ctor' }).outcome, 'valid');
		assert.deepEqual(problemList(check(schema, { constructor: 'ctor', toString: 5 })), [
			'typeChanged toString',
		]);
		// A field named __proto__ is checked like any other, read as the item's own field.
		assert.deepEqual(
			problemList(check(schema, JSON.parse('{"constructor": "c", "__proto__": "not an object"}'))),
			['typeChanged __proto__'],
		);
		assert.equal(
			check(schema, JSON.parse('{"constructor": "c", "__proto__": {"a": 1}}')).outcome,
			'valid',
		);
		assert.equal(({} as Record<string, unknown>).a, undefined);
		const missing = check(schema, { toString: 'x' }, { requiredMissing: 'discardValue' });
		assert.deepEqual(missing.json, { toString: 'x', constructor: null });
	});

	const aliens: Array<[string, unknown, string]> = [
		['a Date', new Date(0), 'a date (not a JSON value)'],
		['a Map', new Map([[1, 2]]), 'a Map object (not a JSON value)'],
		['a class instance', new (class Invoice {})(), 'an Invoice object (not a JSON value)'],
		['a typed array', new Uint8Array(4), 'a Uint8Array object (not a JSON value)'],
		['a function', () => 1, 'a function (not a JSON value)'],
		['a bigint', BigInt(10), 'a bigint (not a JSON value)'],
		['a symbol', Symbol('s'), 'a symbol (not a JSON value)'],
		['NaN', NaN, 'NaN (not a JSON number)'],
		['Infinity', -Infinity, '-Infinity (not a JSON number)'],
	];
	for (const [what, value, received] of aliens) {
		it(`names ${what} left by an expression as not JSON, where a string or an object is expected`, () => {
			for (const field of ['name', 'meta']) {
				const verdict = check(FLAT, { id: 1, [field]: value });
				assert.equal(verdict.outcome, 'invalid');
				assert.equal(verdict.problems[0].received, received);
				assert.equal(verdict.problems[0].kind, 'typeChanged');
			}
		});
	}

	it('rejects values JSON cannot carry even where anything is allowed', () => {
		for (const value of [() => 1, BigInt(1), Symbol('s'), NaN]) {
			assert.deepEqual(problemList(check(FLAT, { id: 1, blob: value })), ['typeChanged blob']);
		}
	});

	it('looks inside a non-JSON object as one type change, not one problem per field', () => {
		const schema = compile(
			object({ customer: object({ name: { type: 'string' }, email: { type: 'string' } }) }),
		);
		class Customer {
			secret = 'x';
		}
		assert.deepEqual(problemList(check(schema, { customer: new Customer() })), [
			'typeChanged customer',
		]);
	});

	it('reads an item whose getters throw as unreadable, not as a crash', () => {
		const item = new Proxy(
			{},
			{
				get() {
					throw new Error('getter exploded');
				},
			},
		);
		const verdict = check(FLAT, item);
		assert.equal(verdict.outcome, 'invalid');
		assert.equal(verdict.problems[0].message, 'The item could not be read: getter exploded');
	});

	it(`gives up on an item with more than ${MAX_FINDINGS_PER_ITEM} differences instead of applying a contract to part of it`, () => {
		const item: Record<string, unknown> = { id: 1 };
		for (let index = 0; index < 15_000; index++) item[`extra${index}`] = index;
		const verdict = check(FLAT, item, { fieldAdded: 'discardValue' });
		assert.equal(verdict.outcome, 'invalid');
		assert.match(verdict.problems[0].message, /differs from the schema in more than 10000 places/);
	});

	it('counts drift on hostile items without following them', () => {
		const schema = compile(
			object({ id: { type: 'integer' }, note: { type: ['string', 'null'] } }, ['id']),
		);
		const cycle: Record<string, unknown> = {};
		cycle.self = cycle;
		const collector = new DriftCollector(schema.model);
		const items = [
			{ id: 1, note: null, loop: cycle },
			{ id: 2, note: cycle },
			JSON.parse('{"id": 3, "__proto__": null}'),
		];
		items.forEach((item, index) => collector.observe(index, check(schema, item).findings, item));
		assert.deepEqual(
			collector.entries().map((entry) => `${entry.kind} ${entry.path}`),
			['fieldAdded __proto__', 'fieldAdded loop', 'typeChanged note'],
		);
		assert.deepEqual(
			collector.nullStats().map((stat) => [stat.path, stat.observed, stat.nulls]),
			[['note', 2, 1]],
		);
	});
});
