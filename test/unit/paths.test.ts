import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { getPath, parseFieldList, pickFields, splitPath } from '../../nodes/shared/core/paths';

describe('getPath', () => {
	const data = { invoice: { lines: [{ sku: 'A' }, { sku: 'B' }], number: 'INV-1' }, zero: 0 };

	for (const [path, expected] of [
		['invoice.number', 'INV-1'],
		['invoice.lines[1].sku', 'B'],
		['invoice.lines.0.sku', 'A'],
		['zero', 0],
		['invoice.missing', undefined],
		['invoice.number.length', undefined],
	] as const) {
		it(`reads ${path}`, () => assert.equal(getPath(data, path), expected));
	}

	it('never walks into the prototype chain', () => {
		assert.equal(getPath({}, '__proto__'), undefined);
		assert.equal(getPath({}, 'constructor.name'), undefined);
		assert.equal(getPath({ a: {} }, 'a.toString'), undefined);
	});

	it('reads an own __proto__ key from parsed JSON', () => {
		const parsed = JSON.parse('{"__proto__": {"x": 1}}') as object;
		assert.equal(getPath(parsed, '__proto__.x'), 1);
	});
});

describe('splitPath and parseFieldList', () => {
	it('splits brackets and dots', () =>
		assert.deepEqual(splitPath('a.b[2][3].c'), ['a', 'b', '2', '3', 'c']));
	it('trims, drops blanks and repeats', () =>
		assert.deepEqual(parseFieldList(' id, ,customer.email,id '), ['id', 'customer.email']));
});

describe('pickFields', () => {
	it('keeps a field named __proto__ as data without changing the prototype', () => {
		const parsed = JSON.parse('{"__proto__": {"admin": true}}') as object;
		const { values } = pickFields(parsed, ['__proto__']);
		assert.equal(Object.getPrototypeOf(values), Object.prototype);
		assert.deepEqual(Object.keys(values), ['__proto__']);
		assert.equal((values as { admin?: boolean }).admin, undefined);
	});

	it('lists missing, null and empty-string fields as missing', () => {
		const { values, missing } = pickFields({ a: 1, b: null, c: '', d: false }, [
			'a',
			'b',
			'c',
			'd',
			'e',
		]);
		assert.deepEqual(values, { a: 1, d: false });
		assert.deepEqual(missing, ['b', 'c', 'e']);
	});
});
