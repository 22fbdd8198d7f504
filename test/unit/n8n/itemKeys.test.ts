/**
 * Per-item names of shared state (shared/n8n/itemKeys): items grouped by the name their
 * expression gives, a name that is not text fails its item by index, too many distinct
 * names fail the node.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { groupItemsByKey, itemKeyOf, runPerItemKey } from '../../../nodes/shared/n8n/itemKeys';

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

	describe('runPerItemKey', () => {
		const items = ['a', 'b', 'a', 'c'].map((tenant, n) => ({ json: { tenant, n } }));
		/** A node over `items` whose `name` is an expression giving each item's tenant. */
		function node(continueOnFail = false): IExecuteFunctions {
			const base = context(
				'={{ $json.tenant }}',
				items.map((item) => item.json.tenant),
			);
			return Object.assign(base, {
				getInputData: () => items,
				continueOnFail: () => continueOnFail,
			}) as unknown as IExecuteFunctions;
		}
		/** An operation that routes each of its items to output 0, paired to its own index. */
		const echo = async (group: IExecuteFunctions): Promise<INodeExecutionData[][]> => [
			group.getInputData().map((item, index) => ({
				json: { ...item.json, name: group.getNodeParameter('name', index) as string, index },
				pairedItem: { item: index },
			})),
			[],
		];
		const options = { ...OPTIONS, outputCount: 2, failedOutput: 1 };

		test('runs once per name over its items; outputs pair to the input items, in input order', async () => {
			const groups: unknown[][] = [];
			const outputs = await runPerItemKey(node(), 'name', options, async (group) => {
				groups.push(group.getInputData().map((item) => item.json.n));
				return await echo(group);
			});
			assert.deepEqual(groups, [[0, 2], [1], [3]]);
			assert.deepEqual(
				outputs[0].map((item) => [item.json.n, item.json.name, item.pairedItem]),
				[
					[0, 'a', { item: 0 }],
					[1, 'b', { item: 1 }],
					[2, 'a', { item: 2 }],
					[3, 'c', { item: 3 }],
				],
			);
		});

		test("an error a group throws names the input's item, not the group's", async () => {
			const ctx = node();
			await assert.rejects(
				runPerItemKey(ctx, 'name', options, async (group) => {
					if (group.getNodeParameter('name', 0) === 'a')
						throw new NodeOperationError(group.getNode(), 'bad', { itemIndex: 1 });
					return await echo(group);
				}),
				(error: NodeOperationError) => error.context.itemIndex === 2,
			);
		});

		test('a plain name runs the operation once on the node itself', async () => {
			const plain = Object.assign(context('hubspot'), {
				getInputData: () => items,
			}) as unknown as IExecuteFunctions;
			let runs = 0;
			await runPerItemKey(plain, 'name', options, async (group) => {
				runs++;
				assert.equal(group, plain);
				return [[], []];
			});
			assert.equal(runs, 1);
		});
	});
});
