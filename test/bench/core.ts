// The pure core in plain Node (no n8n): how many items per second the logic under two nodes
// handles before n8n adds its own cost. Prints one table; asserts no time. Each benchmark
// checks its results first (every item converts / is valid) and stops if they are wrong.
//
//   npm run bench:core          # or: node build/test/bench/core.js after tsc
//
// Environment: BENCH_ITEMS (10000), BENCH_REPEATS (3 timed rounds after one warm-up).
//
// Moved here from the unit suite (test/unit/transform/benchmark.test.ts and
// test/unit/schema/throughput.test.ts), where they printed figures and proved nothing about speed.
import { compileSchema, type CompiledSchema } from '../../nodes/shared/core/schema/compile';
import { DriftCollector } from '../../nodes/shared/core/schema/drift';
import { DEFAULT_CONTRACT } from '../../nodes/shared/core/schema/types';
import { checkItem } from '../../nodes/shared/core/schema/validate';
import { compileMapping } from '../../nodes/shared/core/transform';

import { count, intFromEnv, loadAverage, perItem, perSecond, table } from './support';

interface CoreBench {
	name: string;
	work: string;
	/** Builds the items once, outside the timed rounds. */
	items(count: number): unknown[];
	/** Runs every item once; returns how many came out right (valid, converted). */
	run(items: unknown[]): number;
	/** How many of `count` items should come out right. */
	expected(count: number): number;
}

// ---------------------------------------------------------------------------------------
// Canonical Transform: a 10-field mapping of Xero-style invoices
// ---------------------------------------------------------------------------------------

const mapping = compileMapping({
	profile: {
		zone: 'Australia/Sydney',
		dateOrder: 'dayFirst',
		currencySymbols: { $: 'AUD' },
		defaultCountry: 'AU',
	},
	fields: [
		{
			target: 'invoice.number',
			source: 'InvoiceNumber',
			convert: 'string',
			options: { case: 'upper' },
		},
		{ target: 'invoice.issued', source: 'DateString', convert: 'date' },
		{
			target: 'invoice.total',
			source: 'Total',
			convert: 'money',
			options: { currencyField: 'CurrencyCode', output: 'object' },
		},
		{
			target: 'invoice.due',
			source: 'AmountDue',
			convert: 'money',
			options: { output: 'minor' },
		},
		{
			target: 'invoice.status',
			source: 'Status',
			convert: 'valueMap',
			options: { map: { AUTHORISED: 'open', PAID: 'paid' } },
		},
		{ target: 'invoice.sent', source: 'SentToContact', convert: 'boolean' },
		{ target: 'customer.email', source: 'Contact.EmailAddress', convert: 'email' },
		{ target: 'customer.phone', source: 'Contact.Phone', convert: 'phone' },
		{ target: 'customer.abn', source: 'Contact.TaxNumber', convert: 'abn' },
		{ target: 'customer.id', source: 'Contact.ContactID', convert: 'copy' },
	],
});

const transformBench: CoreBench = {
	name: 'Canonical Transform',
	work: '10 fields (string, date, 2× money, value map, boolean, email, phone, ABN, copy)',
	items: (size) =>
		Array.from({ length: size }, (_, index) => ({
			InvoiceNumber: `inv-${index}`,
			DateString: '2025-03-04T10:00:00',
			Total: 1234.5 + index,
			AmountDue: `$${(index % 900) + 1},234.50`,
			CurrencyCode: 'AUD',
			Status: index % 2 === 0 ? 'AUTHORISED' : 'PAID',
			SentToContact: index % 3 === 0 ? 'true' : 'N',
			Contact: {
				ContactID: `c-${index}`,
				EmailAddress: ` Person${index}@Example.COM `,
				Phone: '02 9876 5432',
				TaxNumber: '51 824 753 556',
			},
		})),
	run: (items) => {
		let good = 0;
		for (const item of items) if (mapping.apply(item as Record<string, unknown>).ok) good++;
		return good;
	},
	expected: (size) => size,
};

// ---------------------------------------------------------------------------------------
// Schema Guard: validation and drift collection against a 15-field schema
// ---------------------------------------------------------------------------------------

const object = (properties: Record<string, unknown>, required = Object.keys(properties)) => ({
	type: 'object',
	properties,
	required,
});

/** 15 fields of the kinds vendors send: ids, text with formats, numbers with ranges, enums, nullables, a nested object and an array. */
const SCHEMA: CompiledSchema = compileSchema({
	kind: 'jsonSchema',
	schema: object(
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
});

function contact(index: number): Record<string, unknown> {
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

/** As the node runs them: check + drift collection. Returns the number of valid items. */
function validate(items: unknown[]): number {
	const collector = new DriftCollector(SCHEMA.model);
	let valid = 0;
	items.forEach((json, index) => {
		const verdict = checkItem(SCHEMA, json, DEFAULT_CONTRACT);
		collector.observe(index, verdict.findings, json as Record<string, unknown>);
		if (verdict.outcome === 'valid') valid++;
	});
	return valid;
}

const schemaBench: CoreBench = {
	name: 'Schema Guard',
	work: '15 fields, every item valid',
	items: (size) => Array.from({ length: size }, (_, index) => contact(index)),
	run: validate,
	expected: (size) => size,
};

/** A vendor v2 batch: every item drifts (a new field, a type change), so every item takes the slow path. */
const driftBench: CoreBench = {
	name: 'Schema Guard',
	work: '15 fields, every item drifts (invalid, classified, counted)',
	items: (size) =>
		Array.from({ length: size }, (_, index) => {
			const json = contact(index);
			return { ...json, nickname: 'x', score: String(json.score) };
		}),
	run: validate,
	expected: () => 0,
};

// ---------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------

function measure(bench: CoreBench, size: number, repeats: number): number[] {
	const items = bench.items(size);
	// Warm-up (zod compiles its object parsers on first use), and the results checked.
	const good = bench.run(items);
	if (good !== bench.expected(size))
		throw new Error(
			`${bench.name} (${bench.work}): ${good} of ${size} items came out right, expected ${bench.expected(size)}`,
		);
	const times: number[] = [];
	for (let round = 0; round < repeats; round++) {
		const started = process.hrtime.bigint();
		bench.run(items);
		times.push(Number(process.hrtime.bigint() - started) / 1e6);
	}
	return times;
}

function main(): void {
	const size = intFromEnv('BENCH_ITEMS', 10_000, 1, 10_000_000);
	const repeats = intFromEnv('BENCH_REPEATS', 3, 1, 50);
	console.log(
		`The pure core in plain Node ${process.version} (no n8n): ${count(size)} items, best of ${repeats} rounds after a warm-up; load average ${loadAverage()}.\n`,
	);
	const rows = [transformBench, schemaBench, driftBench].map((bench) => {
		const times = measure(bench, size, repeats);
		const best = Math.min(...times);
		return [
			bench.name,
			bench.work,
			times.map((ms) => ms.toFixed(0)).join(' / '),
			perSecond(best, size),
			perItem(best, size),
		];
	});
	console.log(table(['node', 'work', 'rounds (ms)', 'items/s (best)', 'µs per item'], rows, 2));
	console.log(`\nLoad average at the end ${loadAverage()}.`);
}

main();
