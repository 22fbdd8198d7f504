/**
 * Throughput of validation in plain Node (no n8n): 10,000 items against a 15-field
 * schema, as the node runs them (check + drift collection). Prints items/s; asserts only
 * that the results are right, never a time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DriftCollector } from '../../../nodes/shared/core/schema/drift';
import { DEFAULT_CONTRACT } from '../../../nodes/shared/core/schema/types';
import { checkItem } from '../../../nodes/shared/core/schema/validate';
import { compile, object } from './helpers';

const ITEMS = 10_000;

/** 15 fields of the kinds vendors send: ids, text with formats, numbers with ranges, enums, nullables, a nested object and an array. */
const SCHEMA = compile(
	object(
		{
			id: { type: 'integer', minimum: 1 },
			externalId: { type: 'string', format: 'uuid' },
			email: { type: 'string', format: 'email' },
			firstName: { type: 'string', minLength: 1, maxLength: 100 },
			lastName: { type: 'string', minLength: 1, maxLength: 100 },
			phone: { type: ['string', 'null'], pattern: '^\\+?[0-9 ]{6,20}$' },
			status: { enum: ['active', 'paused', 'closed'] },
			createdAt: { type: 'string', format: 'date-time' },
			score: { type: 'number', minimum: 0, maximum: 100 },
			vip: { type: 'boolean' },
			country: { type: 'string', pattern: '^[A-Z]{2}$' },
			tags: { type: 'array', items: { type: 'string' }, maxItems: 10 },
			address: object({
				line1: { type: 'string' },
				city: { type: 'string' },
				postcode: { type: 'string' },
			}),
			balance: { type: 'number', multipleOf: 0.01 },
			note: { type: ['string', 'null'], maxLength: 500 },
		},
		[
			'id',
			'externalId',
			'email',
			'firstName',
			'lastName',
			'status',
			'createdAt',
			'score',
			'vip',
			'country',
			'address',
			'balance',
		],
	),
);

function item(index: number): Record<string, unknown> {
	return {
		id: index + 1,
		externalId: `0190a8f2-7b1c-7d3e-8f00-${String(index).padStart(12, '0')}`,
		email: `person${index}@example.com`,
		firstName: 'Ada',
		lastName: `Lovelace ${index}`,
		phone: index % 10 === 0 ? null : '+61 2 5550 0101',
		status: index % 3 === 0 ? 'paused' : 'active',
		createdAt: '2024-05-01T12:00:00Z',
		score: index % 100,
		vip: index % 7 === 0,
		country: 'AU',
		tags: ['crm', 'import'],
		address: { line1: '1 George St', city: 'Sydney', postcode: '2000' },
		balance: 12.5,
		note: null,
	};
}

function run(items: Array<Record<string, unknown>>): { valid: number; ms: number } {
	const started = performance.now();
	const collector = new DriftCollector(SCHEMA.model);
	let valid = 0;
	items.forEach((json, index) => {
		const verdict = checkItem(SCHEMA, json, DEFAULT_CONTRACT);
		collector.observe(index, verdict.findings, json);
		if (verdict.outcome === 'valid') valid++;
	});
	return { valid, ms: performance.now() - started };
}

describe('throughput', () => {
	it(`validates ${ITEMS} items against a 15-field schema`, () => {
		const items = Array.from({ length: ITEMS }, (_, index) => item(index));
		run(items); // warm-up: zod compiles its object parsers on first use
		const rounds = [run(items), run(items), run(items)];
		for (const round of rounds) assert.equal(round.valid, ITEMS);
		const best = Math.min(...rounds.map((round) => round.ms));
		console.log(
			`Schema Guard core: ${ITEMS} valid items, 15 fields: best of 3 ${best.toFixed(1)} ms = ${Math.round((ITEMS / best) * 1000).toLocaleString('en')} items/s (${((best * 1000) / ITEMS).toFixed(2)} µs/item)`,
		);

		// A vendor v2 batch: every item drifts (a new field, a type change), so every item takes the slow path.
		const drifted = items.map((json) => ({ ...json, nickname: 'x', score: String(json.score) }));
		run(drifted);
		const slow = Math.min(...[run(drifted), run(drifted), run(drifted)].map((round) => round.ms));
		console.log(
			`Schema Guard core: ${ITEMS} drifting items (invalid, classified, counted): ${Math.round((ITEMS / slow) * 1000).toLocaleString('en')} items/s (${((slow * 1000) / ITEMS).toFixed(2)} µs/item)`,
		);
	});
});
