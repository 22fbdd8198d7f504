/**
 * Rate Limiter fuzz (issue 14, "Done when"): random and adversarial items (deep, wide,
 * huge strings, hostile keys, invalid UTF-16, wrong types, planted secrets) through every
 * operation in the n8n engine, the per-item parameters mapped from the fuzzed fields. Each
 * case: every input item leaves on exactly one output or as an error item, the run ends
 * within its bound, and no planted secret appears anywhere it was not in the input item.
 * Send Request talks to a vendor on 127.0.0.1 that answers 200, 429 or 503 by the item.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';

import type { INodeParameters } from 'n8n-workflow';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { closeAllLimiters } from '../../nodes/shared/stores/limiter';
import { assertNoSecretLeak, fuzzCases, withinMs } from '../support/fuzz';
import {
	assertEachInputLeavesOnce,
	assertPairing,
	buildWorkflow,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_SOURCE,
	type EngineResult,
} from './harness';

const LIMITER = 'n8n-nodes-integration-guards.rateLimiter';
const CASE_MS = 90_000;
let counter = 0;
const fresh = (prefix: string) => `fuzz-${prefix}-${process.pid}-${++counter}`;

/** The result with one named output of a node emptied, for a routing check that leaves it out. */
function withoutOutput(result: EngineResult, node: string, output: string): EngineResult {
	const runs = result.nodes[node].runs.map((run) => ({
		...run,
		outputs: run.outputs.map((items, index) => (run.outputNames[index] === output ? [] : items)),
	}));
	return { ...result, nodes: { ...result.nodes, [node]: { ...result.nodes[node], runs } } };
}

let vendor: Server;
let vendorUrl = '';

/** Answers by what the request carries: never echoes it back (an echo would be the user's mapping). */
function answer(body: string): { status: number; headers: Record<string, string> } {
	const roll = body.length % 7;
	if (roll === 0) return { status: 429, headers: { 'retry-after': '86400' } };
	if (roll === 1) return { status: 503, headers: { 'retry-after': '0' } };
	return {
		status: 200,
		headers: { 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': String(roll) },
	};
}

/**
 * Outputs that carry notifications besides the items: Quota's Alert gets one extra item
 * per threshold crossed, paired with the item that crossed it, which itself leaves on
 * Continue. They are checked for pairing, not counted as the item's route.
 */
const operations: Array<{
	name: string;
	parameters: () => INodeParameters;
	notifications?: string;
}> = [
	{
		name: 'Wait for Slot',
		parameters: () => ({
			operation: 'waitForSlot',
			limiterName: fresh('slot'),
			limit: 1_000_000,
			per: 'second',
			tokensPerItem: '={{ $json.amount }}',
			maxWait: 30,
			options: { burst: 5000 },
		}),
	},
	{
		name: 'Send Request',
		parameters: () => ({
			operation: 'sendRequest',
			limiterName: fresh('send'),
			limit: 100_000,
			per: 'second',
			method: 'POST',
			url: `={{ "${vendorUrl}/" + encodeURIComponent(String($json.id).slice(0, 50)) }}`,
			sendBody: true,
			jsonBody: '={{ JSON.stringify({ id: $json.id, amount: $json.amount }) }}',
			requestOptions: {
				maxAttempts: 2,
				baseDelay: 0,
				maxDelay: 0.01,
				concurrency: 20,
				idempotencyKeyField: 'id',
				timeout: 10,
				maxResponseSize: 0.01,
			},
		}),
	},
	{
		name: 'Send Request in bulk',
		parameters: () => ({
			operation: 'sendRequest',
			limiterName: fresh('bulk'),
			limit: 100_000,
			per: 'second',
			method: 'POST',
			url: `${vendorUrl}/bulk`,
			sendBody: true,
			jsonBody: '={{ { id: $json.id } }}',
			requestOptions: {
				bulkSize: 7,
				bulkBodyField: 'records',
				bulkResultsPath: 'results',
				maxAttempts: 1,
			},
		}),
	},
	{
		name: 'Backoff',
		parameters: () => ({
			operation: 'backoff',
			maxAttempts: 3,
			baseDelay: 0,
			maxDelay: 0,
			backoffOptions: { maxServerWait: 1 },
		}),
	},
	{
		name: 'Learn From Response',
		parameters: () => ({
			operation: 'learnFromResponse',
			limiterName: fresh('learn'),
			limit: 1000,
			per: 'second',
			options: { errorField: 'error', maxHold: 0 },
		}),
	},
	{
		name: 'Quota',
		parameters: () => ({
			operation: 'quota',
			quotaName: fresh('quota'),
			quota: 1000,
			thresholds: '50, 90',
			usePerItem: '={{ $json.amount }}',
		}),
		notifications: 'Alert',
	},
];

describe('Rate Limiter fuzz', () => {
	before(async () => {
		await startEngine();
		vendor = createServer((request, response) => {
			let body = '';
			request.on('data', (chunk: Buffer) => {
				if (body.length < 1_000_000) body += chunk.toString();
			});
			request.on('end', () => {
				const { status, headers } = answer(body);
				response.writeHead(status, { 'content-type': 'application/json', ...headers });
				response.end(JSON.stringify({ ok: status === 200, results: [] }));
			});
		});
		await new Promise<void>((resolve) => vendor.listen(0, '127.0.0.1', resolve));
		vendorUrl = `http://127.0.0.1:${(vendor.address() as AddressInfo).port}`;
	});
	after(async () => {
		vendor.closeAllConnections();
		await new Promise((resolve) => vendor.close(resolve));
		await closeAllLimiters();
		await closeAllStores();
		await stopEngine();
	});

	for (const operation of operations) {
		describe(operation.name, () => {
			for (const fuzz of fuzzCases({ seed: 14 })) {
				test(fuzz.name, async () => {
					const workflow = buildWorkflow(
						[
							{ name: 'Source', type: TEST_SOURCE, parameters: { items: fuzz.items } },
							{
								name: 'Guard',
								type: LIMITER,
								parameters: operation.parameters(),
								onError: 'continueErrorOutput',
							},
						],
						[['Source', 'Guard']],
					);
					const result = await withinMs(CASE_MS, `${operation.name}: ${fuzz.name}`, () =>
						runWorkflow({ workflow }),
					);
					if (result.status !== 'success')
						throw new Error(
							`${operation.name}: ${fuzz.name}: the run ${result.status}: ${result.error?.message}`,
						);
					assertPairing(result, ['Guard']);
					assertEachInputLeavesOnce(
						operation.notifications
							? withoutOutput(result, 'Guard', operation.notifications)
							: result,
						'Guard',
					);
					assertNoSecretLeak(result, 'Guard', fuzz.secrets);
				});
			}
		});
	}
});
