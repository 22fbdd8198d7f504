import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { INodePropertyOptions } from 'n8n-workflow';

import { RateLimiter } from '../../../nodes/RateLimiter/RateLimiter.node';
import { OUTPUTS, outputNames, REFUSAL_OUTPUTS } from '../../../nodes/RateLimiter/actions/outputs';
import { OutputRoutes } from '../../../nodes/shared/n8n/outputs';

const node = new RateLimiter();
const operationProperty = node.description.properties.find(
	(property) => property.name === 'operation',
);
const operations = (operationProperty?.options ?? []) as INodePropertyOptions[];

describe('Rate Limiter outputs, declared once', () => {
	it('every operation the panel offers has its outputs declared, and no other', () => {
		assert.deepEqual(
			operations.map((operation) => operation.value).sort(),
			Object.keys(OUTPUTS).sort(),
		);
	});

	it("the panel's outputs are the declaration's, in its order (today's names and order)", () => {
		assert.deepEqual(outputNames({ operation: 'waitForSlot' }, OUTPUTS), ['Proceed', 'Over Limit']);
		assert.deepEqual(outputNames({ operation: 'sendRequest' }, OUTPUTS), ['Success', 'Failed']);
		assert.deepEqual(outputNames({ operation: 'backoff' }, OUTPUTS, 2), ['Retry', 'Give Up']);
		assert.deepEqual(outputNames({ operation: 'backoff' }, OUTPUTS, 1), ['Retry', 'Give Up']);
		assert.deepEqual(outputNames({ operation: 'backoff' }, OUTPUTS, 2.1), [
			'Retry',
			'Give Up',
			'No Error',
		]);
		assert.deepEqual(outputNames({ operation: 'learnFromResponse' }, OUTPUTS, 1), [
			'OK',
			'Retry',
			'Give Up',
		]);
		assert.deepEqual(outputNames({ operation: 'quota' }, OUTPUTS), ['Continue', 'Alert']);
		assert.deepEqual(outputNames({}, OUTPUTS), ['Proceed', 'Over Limit'], 'the default operation');
		assert.deepEqual(outputNames({ operation: 'constructor' }, OUTPUTS), ['Proceed', 'Over Limit']);
	});

	it('the outputs expression n8n evaluates gives the same names as the routes', () => {
		const expression = String(node.description.outputs);
		assert.match(expression, /^=\{\{.*\}\}$/s);
		const body = expression.slice(3, -2);
		for (const operation of Object.keys(OUTPUTS) as Array<keyof typeof OUTPUTS>) {
			const evaluate = new Function('$parameter', '$nodeVersion', `return ${body};`) as (
				parameter: object,
				version: number,
			) => Array<{ type: string; displayName: string }>;
			for (const version of [1, 2]) {
				const outputs = evaluate({ operation }, version);
				const routes = new OutputRoutes(OUTPUTS[operation]);
				outputs.forEach((output, index) => {
					assert.equal(output.type, 'main');
					assert.equal(routes.index(output.displayName as never), index, output.displayName);
				});
			}
		}
	});

	it('each operation has exactly one refusal output, never its first (Learn From Response: Give Up, not Retry)', () => {
		for (const names of Object.values(OUTPUTS)) {
			// Release Slot has one output: a failed release fails the item there, its slot back with its lease.
			if (names.length === 1) continue;
			const refusals = names.filter((name) => (REFUSAL_OUTPUTS as string[]).includes(name));
			assert.equal(refusals.length, 1);
			assert.notEqual(refusals[0], names[0]);
		}
		assert.deepEqual(OUTPUTS.learnFromResponse, ['OK', 'Retry', 'Give Up']);
	});

	it("the subtitle names each operation as the panel's option does", () => {
		const subtitle = String(node.description.subtitle);
		for (const operation of operations)
			assert.ok(
				subtitle.includes(`"${String(operation.value)}":"${operation.name.toLowerCase()}"`),
				`${operation.name} in ${subtitle}`,
			);
	});

	it('Scope is a version 2 parameter: version 1 workflows never see it', () => {
		const scope = node.description.properties.find((property) => property.name === 'scope');
		assert.deepEqual(scope?.displayOptions?.show?.['@version'], [{ _cnd: { gte: 2 } }]);
		assert.deepEqual(node.description.version, [1, 2, 2.1, 2.2]);
		assert.equal(node.description.defaultVersion, 2.2);
	});
});
