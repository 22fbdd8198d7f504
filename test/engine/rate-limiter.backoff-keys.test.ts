/**
 * Backoff, Paced (version 2.1) with a Limiter Name per item: the retries of each name
 * take their slots from that name's own limiter, so two tenants are paced side by side,
 * each at its own rate, not one after the other through a shared one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { NodeConnectionTypes, type INodeType } from 'n8n-workflow';

import { RateLimiter } from '../../nodes/RateLimiter/RateLimiter.node';
import { closeAllLimiters } from '../../nodes/shared/stores/limiter';
import {
	buildWorkflow,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	TEST_SOURCE,
} from './harness';

const LIMITER = 'n8n-nodes-integration-guards.rateLimiter';
const run = `${process.pid}-${Date.now()}`;

/** Each item's calls (epoch ms); the first answered with a 429, the next ones delivered. */
const calls = new Map<string, number[]>();
const vendor: INodeType = {
	description: {
		displayName: 'Throttling Vendor',
		name: 'throttlingVendor',
		group: ['transform'],
		version: 1,
		description: 'stand-in',
		defaults: { name: 'Vendor' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	},
	async execute() {
		return [
			this.getInputData().map((item, index) => {
				const id = String(item.json.id);
				const seen = [...(calls.get(id) ?? []), Date.now()];
				calls.set(id, seen);
				if (seen.length > 1)
					return {
						json: { id, tenant: item.json.tenant, delivered: true },
						pairedItem: { item: index },
					};
				const error = Object.assign(new Error('429 - "busy"'), {
					status: 429,
					response: { status: 429, headers: { 'retry-after': '0' } },
				});
				return { json: { error, id, tenant: item.json.tenant }, pairedItem: { item: index } };
			}),
		];
	},
};

describe('Backoff, Paced with per-item Limiter Names', () => {
	before(startEngine);
	after(async () => {
		await closeAllLimiters();
		await stopEngine();
	});

	test("each tenant's retries keep its own limiter's pacing", async () => {
		const tenants = [`a-${run}`, `b-${run}`];
		const items = Array.from({ length: 10 }, (_, n) => ({
			id: `${run}-${n}`,
			tenant: tenants[n % 2],
		}));
		const workflow = buildWorkflow(
			[
				{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
				{ name: 'Vendor', type: 'test.throttlingVendor', onError: 'continueErrorOutput' },
				{
					name: 'Backoff',
					type: LIMITER,
					typeVersion: 2.1,
					parameters: {
						operation: 'backoff',
						pacing: 'paced',
						limiterName: '={{ $json.tenant }}',
						limit: 4,
						per: 'second',
						targetUtilization: 100,
						baseDelay: 0.05,
						maxDelay: 0.1,
					},
				},
				{ name: 'Done', type: TEST_NOOP },
				{ name: 'Gave Up', type: TEST_NOOP },
			],
			[
				['Source', 'Vendor'],
				['Vendor', 0, 'Backoff'],
				['Vendor', 1, 'Backoff'],
				['Backoff', 0, 'Vendor'],
				['Backoff', 1, 'Gave Up'],
				['Backoff', 2, 'Done'],
			],
		);
		const result = await runWorkflow({
			workflow,
			nodeTypes: { [LIMITER]: new RateLimiter(), 'test.throttlingVendor': vendor },
		});
		assert.equal(result.status, 'success', result.error?.message);
		const done = (result.nodes.Done?.runs ?? []).flatMap((r) => r.outputs[0] ?? []);
		assert.equal(done.length, 10, 'every item delivered');
		const retries = (tenant: string) =>
			items
				.filter((item) => item.tenant === tenant)
				.map((item) => (calls.get(item.id) ?? [])[1])
				.sort((a, b) => a - b);
		const [a, b] = tenants.map(retries);
		const gaps = (times: number[]) => times.slice(1).map((time, n) => time - times[n]);
		console.log(`[backoff-keys] retry gaps ms: a ${gaps(a).join(',')}; b ${gaps(b).join(',')}`);
		// 4 per second each, burst 1: in any stretch of a tenant's retries, no more than its
		// bucket allows (1 at once, 1 more every 250 ms)...
		const excess = (times: number[]) => {
			let worst = -Infinity;
			for (let i = 0; i < times.length; i++)
				for (let j = i; j < times.length; j++)
					worst = Math.max(worst, j - i + 1 - (1 + Math.floor((times[j] - times[i]) / 250) + 1));
			return worst;
		};
		for (const times of [a, b])
			assert.ok(excess(times) <= 0, `each name paced at 4/s: gaps ${gaps(times).join(',')}`);
		// ...and the two tenants side by side: both done in about 4 of their own intervals,
		// where one shared limiter would take 9.
		const span = Math.max(...a, ...b) - Math.min(...a, ...b);
		assert.ok(span < 8 * 250, `two limiters, not one: the retries spanned ${span} ms`);
	});
});
