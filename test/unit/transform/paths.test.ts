import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	EACH_ELEMENT,
	PathSyntaxError,
	deletePath,
	formatPath,
	parsePath,
	readPath,
	setPath,
} from '../../../nodes/shared/core/paths';
import { deepFreeze } from './helpers';

describe('parsePath', () => {
	for (const [path, expected] of [
		['a', ['a']],
		['a.b.c', ['a', 'b', 'c']],
		['lines[2].sku', ['lines', 2, 'sku']],
		['a.0', ['a', '0']],
		['lines[*].sku', ['lines', EACH_ELEMENT, 'sku']],
		['m[1][2]', ['m', 1, 2]],
		['a[*][*]', ['a', EACH_ELEMENT, EACH_ELEMENT]],
		['__proto__.x', ['__proto__', 'x']],
	] as const) {
		it(`parses ${path}`, () => assert.deepEqual(parsePath(path), expected));
	}

	for (const path of [
		'',
		'  ',
		'a..b',
		'.a',
		'a.',
		'a[',
		'a[x]',
		'a[-1]',
		'a]b',
		'a[1',
		'[0]',
		'a[100001]',
		'x'.repeat(1001),
	]) {
		it(`refuses ${JSON.stringify(path.length > 20 ? `${path.slice(0, 20)}…` : path)}`, () => {
			assert.throws(() => parsePath(path), PathSyntaxError);
		});
	}

	it('formats back what it parsed', () => {
		for (const path of ['a.b', 'lines[2].sku', 'lines[*].sku', 'a[*][*].b'])
			assert.equal(formatPath(parsePath(path)), path);
	});
});

describe('readPath', () => {
	it('follows own properties only', () => {
		assert.equal(readPath({}, ['constructor']), undefined);
		assert.equal(readPath({ a: {} }, ['a', 'toString']), undefined);
		assert.equal(readPath({}, ['__proto__']), undefined);
		assert.equal(readPath([1, 2], ['length']), 2, 'an own property of a list');
		assert.equal(readPath({ a: [{ b: 1 }] }, ['a', 0, 'b']), 1);
		assert.equal(readPath(JSON.parse('{"__proto__":{"x":1}}'), ['__proto__', 'x']), 1);
	});
});

describe('setPath', () => {
	it('creates objects for keys and lists for indexes', () => {
		const root: Record<string, unknown> = {};
		const owned = new Set<object>([root]);
		assert.equal(setPath(root, ['a', 'b', 1, 'c'], 5, owned), true);
		assert.deepEqual(root, { a: { b: [null, { c: 5 }] } });
	});

	it('copies containers it does not own instead of changing them', () => {
		const shared = deepFreeze({ customer: { name: 'A', tags: ['x'] } });
		const root: Record<string, unknown> = { ...shared };
		const owned = new Set<object>([root]);
		assert.equal(setPath(root, ['customer', 'email'], 'a@b.co', owned), true);
		assert.equal(setPath(root, ['customer', 'tags', 1], 'y', owned), true);
		assert.deepEqual(root, { customer: { name: 'A', email: 'a@b.co', tags: ['x', 'y'] } });
		assert.deepEqual(shared, { customer: { name: 'A', tags: ['x'] } });
	});

	it('never writes a forbidden key and never pollutes a prototype', () => {
		for (const path of [
			['__proto__', 'polluted'],
			['constructor', 'prototype', 'polluted'],
			['a', '__proto__'],
			['prototype'],
		]) {
			const root: Record<string, unknown> = {};
			assert.equal(setPath(root, path, true, new Set([root])), false, path.join('.'));
		}
		assert.equal(({} as Record<string, unknown>).polluted, undefined);
		assert.equal(Object.getPrototypeOf({}), Object.prototype);
	});

	it('refuses to walk through a value that is not a container, or a list where an object is', () => {
		const root: Record<string, unknown> = { a: 'text', l: [1] };
		const owned = new Set<object>([root]);
		assert.equal(setPath(root, ['a', 'b'], 1, owned), false);
		assert.equal(setPath(root, ['l', 'x'], 1, owned), false);
		assert.equal(setPath(root, ['l', EACH_ELEMENT], 1, owned), false);
		assert.deepEqual(root, { a: 'text', l: [1] });
	});
});

describe('deletePath', () => {
	it('removes a field copy-on-write and prunes objects it emptied', () => {
		const input = deepFreeze({ a: { b: { c: 1 } }, keep: { x: 1, y: 2 } });
		const root: Record<string, unknown> = { ...input };
		const owned = new Set<object>([root]);
		assert.equal(deletePath(root, ['a', 'b', 'c'], owned), true);
		assert.equal(deletePath(root, ['keep', 'x'], owned), true);
		assert.deepEqual(root, { keep: { y: 2 } });
		assert.deepEqual(input, { a: { b: { c: 1 } }, keep: { x: 1, y: 2 } });
	});

	it('removes nothing for missing paths, list elements or forbidden keys', () => {
		const root: Record<string, unknown> = { l: [1, 2], o: {} };
		const owned = new Set<object>([root]);
		assert.equal(deletePath(root, ['missing', 'x'], owned), false);
		assert.equal(deletePath(root, ['l', 0], owned), false);
		assert.equal(deletePath(root, ['__proto__'], owned), false);
		assert.equal(deletePath(root, [], owned), false);
		assert.deepEqual(root, { l: [1, 2], o: {} });
	});
});
