/**
 * Per-item names of shared state (shared/n8n/itemKeys): items grouped by the name their
 * expression gives, a name that is not text fails its item by index, too many distinct
 * names fail the node.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { groupItemsByKey, itemKeyOf } from '../../../nodes/shared/n8n/itemKeys';

/** A node whose `name` parameter is `raw`; an expression (`=…`) evaluates to `values[item]`. */
function context(raw: unknown, values: unknown[] = []): IExecuteFunctions & { reads: number } {
	const fake = {
		reads: 0,
		getNodeParameter(
			_name: string,
			itemIndex: number,
			_fallback?: unknown,
			options?: { rawExpressions?: boolean },
		) {
			if (options?.rawExpressions) return raw;
			fake.reads++;
			const value = typeof raw === 'string' && raw.startsWith('=') ? values[itemIndex] : raw;
			if (value instanceof Error) throw value;
			return value;
		},
		getNode: () => ({
			id: 'n1',
			name: 'Limiter',
			type: 'test.guard',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		}),
	};
	return fake as unknown as IExecuteFunctions & { reads: number };
}

const OPTIONS = { label: 'Limiter Name', example: 'hubspot' };

describe('per-item keys', () => {
	test('a plain name is read once and makes one group of every item', () => {
		const ctx = context('hubspot');
		const { groups, failed } = groupItemsByKey(ctx, 'name', 5, OPTIONS);
		assert.deepEqual([...groups], [['hubspot', [0, 1, 2, 3, 4]]]);
		assert.deepEqual(failed, []);
		assert.equal(ctx.reads, 1);
	});

	test('an expression is read per item; items are grouped by name in first-seen order, trimmed', () => {
		const ctx = context('={{ $json.tenant }}', ['a', ' b ', 'a', 42, 'b']);
		const { groups } = groupItemsByKey(ctx, 'name', 5, OPTIONS);
		assert.deepEqual(
			[...groups],
			[
				['a', [0, 2]],
				['b', [1, 4]],
				['42', [3]],
			],
		);
		assert.equal(ctx.reads, 5);
	});

	test('a name that is not text, empty, too long or failing fails its own item, naming it', () => {
		const values = [
			{ id: 1 },
			'',
			'x'.repeat(201),
			null,
			['a'],
			true,
			new Error('no $json'),
			'ok',
			Number.NaN,
			'__proto__',
		];
		const { groups, failed } = groupItemsByKey(
			context('={{ $json.n }}', values),
			'name',
			values.length,
			OPTIONS,
		);
		assert.deepEqual(
			[...groups],
			[
				['ok', [7]],
				['__proto__', [9]],
			],
			'__proto__ is only a name: a Map key',
		);
		assert.deepEqual(
			failed.map(({ index }) => index),
			[0, 1, 2, 3, 4, 5, 6, 8],
		);
		for (const { index, error } of failed) {
			assert.ok(error instanceof NodeOperationError);
			assert.match(error.message, new RegExp(`^Limiter Name of item ${index} `));
			assert.equal(error.context.itemIndex, index);
		}
		assert.match(failed[0].error.message, /is not text but/);
		assert.doesNotMatch(failed[0].error.message, /\[object Object\]/);
		assert.match(failed[6].error.message, /could not be evaluated: no \$json/);
	});

	test('more distinct names than the cap fail the node before any item is routed', () => {
		const values = Array.from({ length: 12 }, (_, n) => `tenant-${n}`);
		assert.equal(
			groupItemsByKey(context('=x', values), 'name', 12, { ...OPTIONS, maxKeys: 12 }).groups.size,
			12,
		);
		assert.throws(
			() => groupItemsByKey(context('=x', values), 'name', 12, { ...OPTIONS, maxKeys: 10 }),
			(error: Error) =>
				error instanceof NodeOperationError &&
				/Limiter Name gives more than 10 different names in one execution \(item 10 brings one more\)/.test(
					error.message,
				),
		);
	});

	test('itemKeyOf: text and finite numbers only', () => {
		assert.equal(itemKeyOf(' a ', 10), 'a');
		assert.equal(itemKeyOf(7, 10), '7');
		assert.deepEqual(itemKeyOf(Infinity, 10), { problem: 'is not text but the number Infinity' });
		assert.equal(typeof itemKeyOf(Symbol('s'), 10), 'object');
		assert.equal(typeof itemKeyOf(10n, 10), 'object');
		assert.deepEqual(groupItemsByKey(context('x'), 'name', 0, OPTIONS).groups.size, 0);
	});
});
