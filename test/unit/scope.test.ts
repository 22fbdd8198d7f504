/**
 * Scopes (finding 6 of issue 14): the Scope parameter → the store namespace. The default
 * (empty Scope) keeps its stored form `<kind>:workflow-<id>`, and no typed Scope can
 * reach another workflow's default or another project's state.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { IExecuteFunctions } from 'n8n-workflow';

import { resolveScope, scopeProperty } from '../../nodes/shared/n8n/common';

interface Fake {
	scope: unknown;
	workflowId?: string;
	projectId?: unknown;
}

/** Just what resolveScope reads: the parameter, the workflow, the node (for errors), n8n's additional data. */
function context(fake: Fake): IExecuteFunctions {
	const { scope, projectId } = fake;
	const workflowId = 'workflowId' in fake ? fake.workflowId : '1';
	return {
		getNodeParameter: (name: string) => (name === 'scope' ? scope : undefined),
		getWorkflow: () => ({ id: workflowId, active: false }),
		getNode: () => ({
			id: 'n1',
			name: 'Guard',
			type: 'test.guard',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		}),
		additionalData: projectId === undefined ? {} : { projectId },
	} as unknown as IExecuteFunctions;
}

const resolve = (fake: Fake, kind = 'idempotency') => resolveScope(context(fake), kind);

describe('resolveScope', () => {
	const accepted: Array<[string, Fake, string]> = [
		[
			'empty: this workflow, in the form stored since the first release',
			{ scope: '' },
			'idempotency:workflow-1',
		],
		['blank is empty', { scope: ' \t ' }, 'idempotency:workflow-1'],
		[
			'a workflow with no id yet',
			{ scope: '', workflowId: undefined },
			'idempotency:workflow-unsaved',
		],
		['a name, trimmed, instance-wide as before', { scope: '  orders ' }, 'idempotency:orders'],
		[
			'this workflow typing its own default: the same state',
			{ scope: 'workflow-1' },
			'idempotency:workflow-1',
		],
		[
			'another case is another namespace (stores compare bytes)',
			{ scope: 'Workflow-2' },
			'idempotency:Workflow-2',
		],
		[
			'a look-alike is another namespace (fullwidth w)',
			{ scope: '\uff57orkflow-2' },
			'idempotency:\uff57orkflow-2',
		],
		['"workflow" without the dash', { scope: 'workflow2' }, 'idempotency:workflow2'],
		[
			'project scope',
			{ scope: 'project:orders', projectId: 'P1' },
			'idempotency:project:P1:orders',
		],
		[
			'project scope, any case and spacing',
			{ scope: ' Project: orders ', projectId: 'P1' },
			'idempotency:project:P1:orders',
		],
		[
			'a project scope cannot name another project',
			{ scope: 'project:P2:orders', projectId: 'P1' },
			'idempotency:project:P1:P2:orders',
		],
		['an expression that gave a number', { scope: 42 }, 'idempotency:42'],
	];
	for (const [what, fake, namespace] of accepted) {
		test(`accepts ${what}`, () => assert.equal(resolve(fake), namespace));
	}

	const refused: Array<[string, Fake, RegExp]> = [
		[
			"another workflow's default",
			{ scope: 'workflow-2' },
			/^Scope "workflow-2" is reserved: names starting with "workflow-"/,
		],
		[
			"another workflow's default, padded",
			{ scope: '  workflow-2\n' },
			/^Scope "workflow-2" is reserved/,
		],
		["the unsaved workflows' default", { scope: 'workflow-unsaved' }, /is reserved/],
		['the bare prefix', { scope: 'workflow-' }, /is reserved/],
		[
			'project scope without a name',
			{ scope: 'project:', projectId: 'P1' },
			/^Scope "project:" needs a name after "project:"/,
		],
		[
			'project scope where n8n gives no project (n8n 1.x)',
			{ scope: 'project:orders' },
			/needs the workflow's project, and this n8n does not tell nodes/,
		],
		[
			'project scope with an empty project id',
			{ scope: 'project:orders', projectId: '' },
			/does not tell nodes/,
		],
		[
			'project scope with a project id that is not text',
			{ scope: 'project:orders', projectId: 7 },
			/does not tell nodes/,
		],
		[
			'project scope with a project id holding ":" (ambiguous)',
			{ scope: 'project:orders', projectId: 'P:1' },
			/does not tell nodes/,
		],
		[
			'a name too long for a namespace',
			{ scope: 'x'.repeat(300) },
			/^Scope "x{80}" cannot be used: .*the limit is 256 bytes/,
		],
		['a name with a NUL', { scope: 'a\u0000b' }, /cannot be used: .*NUL/],
		['a name with a lone surrogate', { scope: 'a\ud800b' }, /cannot be used: .*surrogate/],
	];
	for (const [what, fake, message] of refused) {
		test(`refuses ${what}, naming the parameter`, () => {
			assert.throws(
				() => resolve(fake),
				(error: Error & { description?: string }) => {
					assert.match(error.message, message);
					assert.ok(
						error.description && error.description.length > 20,
						'the error says what to do',
					);
					return true;
				},
			);
		});
	}

	test('on Dead Letter the parameter is called Queue, and errors say so', () => {
		assert.throws(() => resolve({ scope: 'workflow-2' }, 'deadletter'), {
			message: /^Queue "workflow-2" is reserved/,
		});
		assert.equal(resolve({ scope: '' }, 'deadletter'), 'deadletter:workflow-1');
	});

	test("no typed Scope reaches another workflow's default or another project", () => {
		// From workflow 1 in project P1, every Scope a hostile author might try.
		const attempts = [
			'workflow-2',
			'workflow-20',
			' workflow-2',
			'workflow-2 ',
			'workflow-2\t',
			'\u00a0workflow-2',
			'workflow-2\u200b',
			'project:P2:orders',
			'project:orders',
			'PROJECT:orders',
			'project-P2:orders',
			'idempotency:workflow-2',
			':workflow-2',
			'workflow-unsaved',
			'workflow-',
			'orders',
		];
		const reached = new Set<string>();
		for (const scope of attempts) {
			try {
				reached.add(resolve({ scope, projectId: 'P1' }));
			} catch {
				// refused: reaches nothing
			}
		}
		const othersDefault = resolve({ scope: '', workflowId: '2' });
		const otherProject = resolve({ scope: 'project:orders', workflowId: '2', projectId: 'P2' });
		assert.equal(othersDefault, 'idempotency:workflow-2');
		assert.equal(reached.has(othersDefault), false, `reached ${othersDefault}`);
		assert.equal(reached.has(otherProject), false, `reached ${otherProject}`);
		assert.ok(
			[...reached].every((namespace) => !namespace.startsWith('idempotency:project:P2:')),
			[...reached].join(', '),
		);
		assert.ok(reached.size >= 5, 'plain names and project names still work');
	});
});

describe('scopeProperty', () => {
	test('says that names are instance-wide, offers project:, and reserves workflow-', () => {
		const description = String(scopeProperty('e.g. orders').description);
		assert.match(description, /Leave empty to keep it to this workflow/);
		assert.match(
			description,
			/instance-wide: every workflow on this n8n that uses it shares the state/,
		);
		assert.match(description, /project:orders/);
		assert.match(description, /starting with workflow- are reserved/);
		assert.equal(
			scopeProperty('e.g. orders').name,
			'scope',
			'the parameter name is a public contract',
		);
	});
});
