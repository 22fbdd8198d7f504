import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ChangeKind, ContractMode } from '../../../nodes/shared/core/schema/types';
import { CHANGE_KINDS, CONTRACT_MODES } from '../../../nodes/shared/core/schema/types';
import { check, compile, object, problemList } from './helpers';

/** Contact v1: top-level fields and an array of line objects, to see each change at both depths. */
const CONTACT = compile(
	object(
		{
			id: { type: 'integer' },
			email: { type: 'string' },
			age: { type: 'integer' },
			lines: {
				type: 'array',
				items: object({ sku: { type: 'string' }, qty: { type: 'number' } }, ['sku']),
			},
		},
		['id', 'email'],
	),
);

/** One item per kind of change, each showing it at the top and inside an array element. */
const DRIFTED: Record<ChangeKind, Record<string, unknown>> = {
	fieldAdded: {
		id: 1,
		email: 'a@x.io',
		nickname: 'Al',
		lines: [{ sku: 'A', qty: 1, color: 'red' }],
	},
	typeChanged: { id: 1, email: 'a@x.io', age: '42', lines: [{ sku: 'A', qty: '2' }] },
	requiredMissing: { id: 1, lines: [{ qty: 1 }] },
};

const CHANGED_PATHS: Record<ChangeKind, string[]> = {
	fieldAdded: ['nickname', 'lines[0].color'],
	typeChanged: ['age', 'lines[0].qty'],
	requiredMissing: ['email', 'lines[0].sku'],
};

/** What Discard Value leaves of each drifted item. */
const DISCARDED: Record<ChangeKind, Record<string, unknown>> = {
	fieldAdded: { id: 1, email: 'a@x.io', lines: [{ sku: 'A', qty: 1 }] },
	typeChanged: { id: 1, email: 'a@x.io', lines: [{ sku: 'A' }] },
	requiredMissing: { id: 1, email: null, lines: [{ qty: 1, sku: null }] },
};

const sorted = (list: string[]) => [...list].sort();

describe('contracts: every mode for every kind of change', () => {
	for (const kind of CHANGE_KINDS) {
		for (const mode of CONTRACT_MODES) {
			it(`${mode} on ${kind}`, () => {
				const input = DRIFTED[kind];
				const before = structuredClone(input);
				const verdict = check(CONTACT, input, { [kind]: mode } as Partial<
					Record<ChangeKind, ContractMode>
				>);
				assert.deepEqual(
					sorted(
						verdict.findings.map(
							(finding) => `${finding.kind} ${finding.segments.map(String).join('.')}`,
						),
					),
					sorted(CHANGED_PATHS[kind].map((path) => `${kind} ${path.replace(/\[(\d+)\]/g, '.$1')}`)),
					'the findings name the change, whatever the mode',
				);
				switch (mode) {
					case 'evolve':
						assert.equal(verdict.outcome, 'valid');
						assert.equal(verdict.json, input, 'evolve passes the item on as it came');
						assert.deepEqual(
							sorted(verdict.changes.map((change) => `${change.action} ${change.path}`)),
							sorted(CHANGED_PATHS[kind].map((path) => `evolve ${path}`)),
						);
						break;
					case 'discardValue':
						assert.equal(verdict.outcome, 'valid');
						assert.deepEqual(verdict.json, DISCARDED[kind]);
						assert.deepEqual(
							sorted(verdict.changes.map((change) => `${change.action} ${change.path}`)),
							sorted(CHANGED_PATHS[kind].map((path) => `discardValue ${path}`)),
						);
						break;
					case 'discardRow':
						assert.equal(verdict.outcome, 'invalid');
						assert.deepEqual(
							sorted(problemList(verdict)),
							sorted(CHANGED_PATHS[kind].map((path) => `${kind} ${path}`)),
						);
						assert.deepEqual(verdict.changes, []);
						break;
					case 'freeze':
						assert.equal(verdict.outcome, 'frozen');
						assert.equal(verdict.frozen?.kind, kind);
						assert.ok(
							CHANGED_PATHS[kind].includes(
								verdict
									.frozen!.segments.map((segment) =>
										typeof segment === 'number' ? `[${segment}]` : segment,
									)
									.join('.')
									.replace('.[', '['),
							),
						);
						break;
				}
				assert.deepEqual(input, before, 'the input item is never changed');
			});
		}
	}

	it('treats each kind by its own contract in one item', () => {
		const verdict = check(
			CONTACT,
			{ id: 1, age: '3', extra: true, lines: [] },
			{ fieldAdded: 'discardValue', typeChanged: 'evolve', requiredMissing: 'discardValue' },
		);
		assert.equal(verdict.outcome, 'valid');
		assert.deepEqual(verdict.json, { id: 1, age: '3', lines: [], email: null });
		assert.deepEqual(
			verdict.changes.map((change) => `${change.action} ${change.kind} ${change.path}`),
			[
				'discardValue requiredMissing email',
				'evolve typeChanged age',
				'discardValue fieldAdded extra',
			],
		);
	});

	it('freezes when any change is frozen, even next to an invalid value', () => {
		const schema = compile(object({ id: { type: 'integer', minimum: 1 } }));
		const verdict = check(schema, { id: 0, surprise: 1 }, { fieldAdded: 'freeze' });
		assert.equal(verdict.outcome, 'frozen');
		assert.equal(verdict.frozen?.message, 'surprise is a new field: the schema does not list it');
	});

	it('sends an item with an invalid value to Invalid whatever the contract', () => {
		const schema = compile(object({ id: { type: 'integer', minimum: 1 } }));
		const verdict = check(schema, { id: 0, extra: 1 }, { fieldAdded: 'evolve' });
		assert.equal(verdict.outcome, 'invalid');
		assert.deepEqual(problemList(verdict), ['invalidValue id']);
	});

	it('reads additionalProperties: false as "new fields are not passed on": Evolve acts as Discard Item there', () => {
		const schema = compile(
			object(
				{
					id: { type: 'integer' },
					meta: object({ a: { type: 'string' } }, [], { additionalProperties: false }),
				},
				['id'],
			),
		);
		const item = { id: 1, top: 'fine', meta: { a: 'x', b: 'new' } };
		const evolved = check(schema, item, { fieldAdded: 'evolve' });
		assert.equal(evolved.outcome, 'invalid');
		assert.deepEqual(
			problemList(evolved),
			['fieldAdded meta.b'],
			'only the closed object rejects its new field',
		);
		assert.equal(check(schema, item, { fieldAdded: 'discardValue' }).outcome, 'valid');
		assert.deepEqual(
			check(schema, item, { fieldAdded: 'discardValue' }).json,
			{ id: 1, meta: { a: 'x' } },
			'every new field goes, closed object or not',
		);
		assert.equal(check(schema, item, { fieldAdded: 'freeze' }).outcome, 'frozen');
	});

	it('discards wrongly typed array elements by removing them, keeping the rest in order', () => {
		const schema = compile(object({ tags: { type: 'array', items: { type: 'string' } } }));
		const verdict = check(
			schema,
			{ tags: ['a', 1, 'b', false, 'c'] },
			{ typeChanged: 'discardValue' },
		);
		assert.equal(verdict.outcome, 'valid');
		assert.deepEqual(verdict.json, { tags: ['a', 'b', 'c'] });
	});

	it('cannot discard the item itself: a wrong type at the top is a discarded row', () => {
		const schema = compile(object({ id: { type: 'integer' } }));
		const verdict = check(schema, ['not', 'an', 'object'], { typeChanged: 'discardValue' });
		assert.equal(verdict.outcome, 'invalid');
		assert.deepEqual(problemList(verdict), ['typeChanged (the item)']);
	});

	it('copies only what it edits: untouched branches are shared with the input', () => {
		const input = { id: 1, email: 'a@x.io', extra: 1, lines: [{ sku: 'A' }] };
		const verdict = check(CONTACT, input, { fieldAdded: 'discardValue' });
		assert.notEqual(verdict.json, input);
		assert.equal((verdict.json as typeof input).lines, input.lines);
	});

	it('still checks every allOf member and anyOf branch when the contract lets a change through', () => {
		const combined = compile({
			type: 'object',
			properties: { id: { type: 'integer' } },
			required: ['id'],
			allOf: [object({ name: { type: 'string' } })],
		});
		const verdict = check(combined, { id: 1, extra: true }, { fieldAdded: 'evolve' });
		assert.equal(verdict.outcome, 'invalid', 'the new field is accepted, the missing name is not');
		assert.deepEqual(problemList(verdict), ['requiredMissing name']);
		const typed = check(combined, { id: '1' }, { typeChanged: 'evolve' });
		assert.deepEqual(problemList(typed), ['requiredMissing name']);

		const payment = compile({
			type: 'object',
			properties: { kind: { enum: ['card', 'bank'] } },
			required: ['kind'],
			anyOf: [object({ last4: { type: 'string' } }), object({ iban: { type: 'string' } })],
		});
		assert.equal(
			check(payment, { kind: 'card', last4: '4242' }).outcome,
			'valid',
			'a field of a branch is not new to the object',
		);
		assert.deepEqual(
			problemList(check(payment, { kind: 'card', note: 'x' }, { fieldAdded: 'evolve' })),
			['requiredMissing last4'],
		);
		const evolved = check(
			payment,
			{ kind: 'card', last4: '4242', note: 'x' },
			{ fieldAdded: 'evolve' },
		);
		assert.equal(evolved.outcome, 'valid');
		assert.deepEqual(
			evolved.changes.map((change) => change.path),
			['note'],
			'the new field is reported once',
		);
	});
});
