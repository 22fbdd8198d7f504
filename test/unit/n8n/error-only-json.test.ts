// What a failed item holds under "Continue (using error output)" (errorOnlyJson in
// nodes/shared/n8n/common.ts): the shape decides whether n8n moves it to the error
// output. n8n 2.40 moves `{ error, details }`; n8n 1.123 moves only `{ error }` or
// `{ error, message }` with both set (n8n-core 1.122 workflow-execute.js,
// handleNodeErrorOutput). test/e2e/canonical-transform-v1x.test.ts runs the older shape
// in n8n 1.123 itself; the engine tests run the newer one in n8n 2.40.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as n8nWorkflow from 'n8n-workflow';

import { errorOnlyJson } from '../../../nodes/shared/n8n/common';

const details = { itemIndex: 2, description: 'Correct the ABN at the source.', node: 'Map' };

describe('the json of a failed item on the error output', () => {
	it('keeps `details` where n8n moves it (n8n-workflow knows the nodes API version)', () => {
		assert.ok('N8N_NODES_API_VERSION' in n8nWorkflow, 'the dev dependency is n8n 2.40');
		assert.deepEqual(errorOnlyJson('Item 2: bad ABN', details), {
			error: 'Item 2: bad ABN',
			details,
		});
	});

	it('is { error, message } for older n8n: the fix travels as message', () => {
		const json = errorOnlyJson('Item 2: bad ABN', details, false);
		assert.deepEqual(json, { error: 'Item 2: bad ABN', message: 'Correct the ABN at the source.' });
	});

	it('never leaves message empty, which n8n 1.x would not move', () => {
		for (const description of [null, '', undefined, 42]) {
			const json = errorOnlyJson('Item 0: refused', { ...details, description }, false);
			assert.deepEqual(json, { error: 'Item 0: refused', message: 'Item 0: refused' });
		}
	});
});
