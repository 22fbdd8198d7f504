/**
 * Rate Limiter's Scope (version 2) through the real n8n engine: limiters and quotas are
 * namespaced by the Scope, the running workflow's own when it is empty, so two workflows
 * naming the same limiter keep apart unless they name the same Scope. Version 1 keeps
 * its instance-wide names and the very keys it always used.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { planLimiter } from '../../nodes/shared/core/ratelimit';
import { closeAllStores } from '../../nodes/shared/stores/factory';
import { closeAllLimiters, limiterFor } from '../../nodes/shared/stores/limiter';
import {
	assertPairing,
	buildWorkflow,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	TEST_SOURCE,
	type EngineResult,
} from './harness';

const LIMITER = 'n8n-nodes-integration-guards.rateLimiter';
let counter = 0;
const fresh = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

/** The limiter node in workflow `workflowId`, at `typeVersion`, over `items`. */
async function inWorkflow(
	workflowId: string,
	typeVersion: number,
	parameters: INodeParameters,
	items: object[] = [{ n: 1 }],
): Promise<EngineResult> {
	const workflow = {
		...buildWorkflow(
			[
				{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
				{ name: 'Limiter', type: LIMITER, typeVersion, parameters },
				{ name: 'Out 0', type: TEST_NOOP },
				{ name: 'Out 1', type: TEST_NOOP },
			],
			[
				['Source', 'Limiter'],
				['Limiter', 0, 'Out 0'],
				['Limiter', 1, 'Out 1'],
			],
		),
		id: workflowId,
		name: `workflow ${workflowId}`,
	};
	const result = await runWorkflow({ workflow });
	assert.equal(result.status, 'success', result.error?.message);
	assertPairing(result, ['Limiter']);
	return result;
}

/** One token an hour, none to spare: a second taker within the hour waits past Max Wait. */
const slot = (limiterName: string, scope?: string): INodeParameters => ({
	operation: 'waitForSlot',
	limiterName,
	limit: 1,
	per: 'hour',
	targetUtilization: 100,
	maxWait: 1,
	...(scope === undefined ? {} : { scope }),
});

const quota = (quotaName: string, scope?: string): INodeParameters => ({
	operation: 'quota',
	quotaName,
	quota: 100,
	period: 'day',
	timeZone: 'UTC',
	...(scope === undefined ? {} : { scope }),
});

/** The route each item took: proceed or overLimit. */
const routes = (result: EngineResult) =>
	[...result.output('Limiter', 'Proceed'), ...result.output('Limiter', 'Over Limit')].map(
		(item) => (item.json.rateLimiter as IDataObject).route,
	);
const usage = (result: EngineResult) =>
	result.output('Limiter', 'Continue').map((item) => (item.json.rateLimiter as IDataObject).usage);

describe('Rate Limiter Scope (version 2) in the n8n engine', () => {
	before(async () => {
		await startEngine();
	});
	after(async () => {
		await closeAllLimiters();
		await closeAllStores();
		await stopEngine();
	});

	test('Scope empty: two workflows naming the same limiter and quota keep them apart', async () => {
		const name = fresh('apart');
		assert.deepEqual(routes(await inWorkflow('sc-a1', 2, slot(name))), ['proceed']);
		assert.deepEqual(
			routes(await inWorkflow('sc-a2', 2, slot(name))),
			['proceed'],
			"workflow 2 has its own limiter: workflow 1's token is not its",
		);
		assert.deepEqual(
			routes(await inWorkflow('sc-a1', 2, slot(name))),
			['overLimit'],
			"workflow 1's own limiter is spent",
		);

		assert.deepEqual(usage(await inWorkflow('sc-a1', 2, quota(name))), [1]);
		assert.deepEqual(usage(await inWorkflow('sc-a2', 2, quota(name))), [1]);
		assert.deepEqual(usage(await inWorkflow('sc-a1', 2, quota(name))), [2]);
	});

	test('the same Scope name: two workflows share the limiter and the quota', async () => {
		const name = fresh('shared');
		const scope = fresh('crm');
		assert.deepEqual(routes(await inWorkflow('sc-b1', 2, slot(name, scope))), ['proceed']);
		assert.deepEqual(routes(await inWorkflow('sc-b2', 2, slot(name, scope))), ['overLimit']);
		assert.deepEqual(
			routes(await inWorkflow('sc-b2', 2, slot(name, fresh('other')))),
			['proceed'],
			'another Scope is another limiter',
		);

		assert.deepEqual(usage(await inWorkflow('sc-b1', 2, quota(name, scope))), [1]);
		assert.deepEqual(usage(await inWorkflow('sc-b2', 2, quota(name, scope))), [2]);
		assert.deepEqual(usage(await inWorkflow('sc-b2', 2, quota(name))), [1], "the workflow's own");
	});

	test('version 1 is unchanged: the name alone, instance-wide, on the keys it always had', async () => {
		const name = fresh('v1');
		assert.deepEqual(routes(await inWorkflow('sc-c1', 1, slot(name))), ['proceed']);
		// The limiter version 1 took its token from is the one named by the name alone.
		const { available } = await limiterFor(
			name,
			planLimiter({ limit: 1, per: 'hour', targetUtilization: 100, burst: 1 }),
		).snapshot();
		assert.equal(available, 0, 'the limiter of the plain name holds no token');
		assert.deepEqual(routes(await inWorkflow('sc-c2', 1, slot(name))), ['overLimit']);
		assert.deepEqual(
			routes(await inWorkflow('sc-c2', 2, slot(name, name))),
			['proceed'],
			'a version 2 Scope never meets a version 1 name',
		);
		// A Scope on a version 1 node (saved by hand) is not read.
		assert.deepEqual(routes(await inWorkflow('sc-c3', 1, slot(name, fresh('ignored')))), [
			'overLimit',
		]);

		assert.deepEqual(usage(await inWorkflow('sc-c1', 1, quota(name))), [1]);
		assert.deepEqual(usage(await inWorkflow('sc-c2', 1, quota(name))), [2]);
		assert.deepEqual(usage(await inWorkflow('sc-c2', 2, quota(name))), [1]);
	});
});
