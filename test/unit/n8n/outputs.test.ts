/**
 * Outputs declared once (shared/n8n/outputs): the expression n8n evaluates in the editor
 * and the routes operations push to come from the same declaration.
 */
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { describe, test } from 'node:test';

import type { INodeProperties } from 'n8n-workflow';

import { updateDisplayOptions } from '../../../nodes/shared/n8n/displayOptions';
import {
	OutputRoutes,
	outputsExpression,
	outputsFor,
	type OutputNamesFunction,
} from '../../../nodes/shared/n8n/outputs';

const DECLARED = {
	check: ['Pass', 'Refused'],
	report: ['Report'],
} as const;

const names: OutputNamesFunction<typeof DECLARED> = (parameters, declared, version) => {
	const operation = (parameters.operation as keyof typeof declared | undefined) ?? 'check';
	const list: string[] = [...declared[operation]];
	if (operation === 'check' && version >= 2) list.push('Not Checked');
	return list;
};

/** What n8n's editor does with an outputs expression: evaluate it with $parameter and $nodeVersion. */
function evaluate(expression: string, parameters: object, version: number): unknown {
	assert.ok(expression.startsWith('={{') && expression.endsWith('}}'));
	const result: unknown = vm.runInNewContext(expression.slice(3, -2), {
		$parameter: parameters,
		$nodeVersion: version,
	});
	// Out of the other realm, so deepStrictEqual compares values, not prototypes.
	return JSON.parse(JSON.stringify(result));
}

describe('outputs', () => {
	test('the expression n8n evaluates and the local evaluation agree', () => {
		const expression = outputsExpression(names, DECLARED);
		for (const [parameters, version] of [
			[{}, 1],
			[{ operation: 'check' }, 2],
			[{ operation: 'report' }, 2],
		] as const) {
			assert.deepEqual(
				evaluate(expression, parameters, version),
				outputsFor(names, DECLARED, parameters, version),
			);
		}
		assert.deepEqual(evaluate(expression, { operation: 'check' }, 2), [
			{ type: 'main', displayName: 'Pass' },
			{ type: 'main', displayName: 'Refused' },
			{ type: 'main', displayName: 'Not Checked' },
		]);
	});

	test('routes are the declared order, and an unknown name throws instead of misrouting', () => {
		const routes = new OutputRoutes(['Pass', 'Refused', 'Not Checked'] as const);
		assert.equal(routes.index('Refused'), 1);
		routes.push('Not Checked', { json: { a: 1 } });
		assert.deepEqual(routes.buckets, [[], [], [{ json: { a: 1 } }]]);
		assert.equal(routes.has('Pass'), true);
		assert.equal(routes.has('Proceed'), false);
		assert.throws(
			() => routes.index('Proceed' as never),
			/No output named "Proceed" here: the outputs are Pass, Refused, Not Checked/,
		);
	});
});

describe('updateDisplayOptions', () => {
	const properties: INodeProperties[] = [
		{ displayName: 'A', name: 'a', type: 'string', default: '' },
		{
			displayName: 'B',
			name: 'b',
			type: 'string',
			default: '',
			displayOptions: { show: { mode: ['x'] }, hide: { store: ['redis'] } },
		},
	];

	test('adds the operation condition and keeps the conditions a property has', () => {
		const [a, b] = updateDisplayOptions({ show: { operation: ['check'] } }, properties);
		assert.deepEqual(a.displayOptions, { show: { operation: ['check'] } });
		assert.deepEqual(b.displayOptions, {
			show: { operation: ['check'], mode: ['x'] },
			hide: { store: ['redis'] },
		});
	});

	test('does not change the properties it is given', () => {
		updateDisplayOptions({ show: { operation: ['check'] } }, properties);
		assert.equal(properties[0].displayOptions, undefined);
		assert.deepEqual(properties[1].displayOptions?.show, { mode: ['x'] });
	});
});
