// Dead Letter's outputs, declared once (actions/outputs.ts): the names and order the panel
// shows are the ones the operations route by. Saved workflows connect outputs by index,
// so the order of each version is pinned here.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { OUTPUTS, outputNames } from '../../../nodes/DeadLetter/actions/outputs';
import { versionDescription } from '../../../nodes/DeadLetter/actions/versionDescription';
import { OutputRoutes } from '../../../nodes/shared';

/** The outputs expression as n8n evaluates it in the editor: from its source text alone. */
function editorOutputs(parameters: Record<string, unknown>, version: number): string[] {
	const expression = String(versionDescription.outputs)
		.replace(/^=\{\{/, '')
		.replace(/\}\}$/, '');
	const evaluate = new Function('$parameter', '$nodeVersion', `return ${expression};`) as (
		parameters: Record<string, unknown>,
		version: number,
	) => Array<{ type: string; displayName: string }>;
	return evaluate(parameters, version).map((output) => output.displayName);
}

describe('Dead Letter outputs', () => {
	const cases: Array<[Record<string, unknown>, number, string[]]> = [
		[{ operation: 'capture' }, 2, ['Captured', 'Auth Failure', 'Depth Alert', 'Not Captured']],
		[
			{ operation: 'capture', incoming: 'responses' },
			2,
			['Captured', 'Auth Failure', 'Depth Alert', 'Succeeded', 'Not Captured'],
		],
		[{ operation: 'capture' }, 1, ['Captured', 'Auth Failure', 'Depth Alert']],
		[
			{ operation: 'capture', incoming: 'responses' },
			1,
			['Captured', 'Auth Failure', 'Depth Alert', 'Succeeded'],
		],
		[{}, 2, ['Captured', 'Auth Failure', 'Depth Alert', 'Not Captured']],
		[{ operation: 'replay' }, 2, ['Replay', 'Not Replayed']],
		[{ operation: 'resolve' }, 1, ['Resolved', 'Not Resolved']],
		[{ operation: 'list' }, 2, ['Records']],
		[{ operation: 'stats' }, 2, ['Stats', 'Depth Alert']],
		[{ operation: 'purge' }, 2, ['Done']],
	];
	for (const [parameters, version, expected] of cases) {
		test(`${JSON.stringify(parameters)} version ${version}: ${expected.join(', ')}`, () => {
			assert.deepEqual([...outputNames(parameters, OUTPUTS, version)], expected);
			assert.deepEqual(editorOutputs(parameters, version), expected, 'the editor agrees');
		});
	}

	test('each output is routed to the index the editor shows it at', () => {
		for (const [parameters, version] of cases) {
			const shown = editorOutputs(parameters, version);
			const routes = new OutputRoutes(outputNames(parameters, OUTPUTS, version));
			shown.forEach((name, index) => assert.equal(routes.index(name), index, name));
		}
	});

	test('an output an operation does not have is refused, not routed elsewhere', () => {
		const routes = new OutputRoutes(outputNames({ operation: 'capture' }, OUTPUTS, 1));
		assert.throws(() => routes.index('Not Captured'), /No output named "Not Captured"/);
	});
});
