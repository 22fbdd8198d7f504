// Circuit Breaker in a real n8n with its store stopped (issue 14, finding 1): Check with
// "If the Store Is Unreachable: Fail the Node" (the default) and On Error "Continue
// (using error output)" puts every item on the error output, none on Proceed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { outageWorkflow, stoppedRedis } from './guard-outage';
import { PACKAGE_NAME, startN8n, type N8nInstance } from './harness';

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;

describe('n8n end to end: Circuit Breaker', () => {
	let n8n: N8nInstance;

	before(async () => {
		n8n = await startN8n();
	});

	after(async () => {
		await n8n?.stop();
	});

	it('the store stopped (a private Redis): Check under Continue (using error output) puts every item on the error output, none on Proceed', async () => {
		const { redis, credential } = await stoppedRedis(n8n, 'Stopped Redis');
		try {
			const guard = {
				type: `${PACKAGE_NAME}.circuitBreaker`,
				typeVersion: 1,
				parameters: {
					operation: 'check',
					scope: `outage-${RUN}`,
					breakerName: 'vendor',
					options: { onStoreError: 'fail' },
				},
			};
			const workflow = await n8n.importWorkflow(
				outageWorkflow(`e2e circuit breaker outage ${RUN}`, guard, credential),
			);
			const execution = await n8n.executeById(workflow.id, { triggerNode: 'Run' });
			assert.equal(execution.status, 'success', JSON.stringify(execution.error));
			const check = execution.node('Guard').byName;
			const routed = Object.fromEntries(
				Object.entries(check).map(([name, items]) => [name, items.length]),
			);
			console.log(`[e2e] Check with its Redis stopped: ${JSON.stringify(routed)}`);
			assert.deepEqual(routed, { Proceed: 0, Open: 0, error: 2 });
			for (const item of check.error)
				assert.match(
					String(item.json.error),
					new RegExp(`Redis at 127\\.0\\.0\\.1:${redis.port} \\(db 0\\): unreachable`),
				);
			assert.deepEqual(
				check.error.map((item) => item.json.orderId),
				['o-1', 'o-2'],
				'the items travel with their error',
			);
		} finally {
			await redis.dispose();
		}
	});
});
