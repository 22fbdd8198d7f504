// The floor under Schema Guard, measured in the bench's own process (no n8n): bare Ajv 8
// (draft 2020-12, ajv-formats) compiled once from the benchmark's 15-rule schema and run over
// the same items, and bare Ajv plus what any node must add to hand the items back to n8n
// (`{ json, pairedItem }` per item, sorted onto a valid and an invalid output). Printed beside
// Schema Guard's and the Code node's executionTime per item inside n8n (schema-guard.ts), and
// Schema Guard's own check (its pure core: compile once, check every item) in this process.
import { performance } from 'node:perf_hooks';

import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

import { compileUserPattern } from '../../nodes/shared/core/regex';
import {
	checkAgainstSchema,
	compileSchema,
	DEFAULT_SCHEMA_CONTRACT,
} from '../../nodes/shared/core/schema';
import { count, table } from './support';

/** Timed rounds per size after one untimed round; the median is kept. */
const ROUNDS = 7;

export interface BareAjvFigures {
	items: number;
	invalid: number;
	/** µs per item: validation alone. */
	ajvUs: number;
	/** µs per item: validation and building the n8n items of two outputs. */
	ajvItemsUs: number;
	/** µs per item: validation alone, patterns on re2js (linear time) as Schema Guard ran them before. */
	ajvLinearUs: number;
	/** µs per item: Schema Guard's own check of an item (its core, no n8n), every rule and drift. */
	guardCoreUs: number;
}

/** Ajv's hook for patterns, on the package's linear-time engine (as Schema Guard plugs it in). */
const linearRegExp = Object.assign(
	(source: string, flags: string) => compileUserPattern(source, { flags, label: 'pattern' }),
	{ code: 'compileUserPattern' },
);

type Items = Array<{ json: Record<string, unknown> }>;

/** The benchmark's Generate node, run here: its code is the body of a function returning the items. */
export function generateItems(code: string): Items {
	return new Function(code)() as Items;
}

function medianOf(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

/** Median ms of each run, the runs taking turns so load on the machine falls on both alike. */
function timedInTurns(rounds: number, runs: Array<() => void>): number[] {
	for (const run of runs) run();
	const times = runs.map((): number[] => []);
	for (let round = 0; round < rounds; round++) {
		runs.forEach((run, index) => {
			const started = performance.now();
			run();
			times[index].push(performance.now() - started);
		});
	}
	return times.map(medianOf);
}

export function measureBareAjv(schema: object, items: Items): BareAjvFigures {
	const ajv = new Ajv2020({ strict: false });
	addFormats(ajv);
	const validate = ajv.compile(schema);
	const linear = new Ajv2020({ strict: false, code: { regExp: linearRegExp } });
	addFormats(linear);
	const validateLinear = linear.compile(schema);
	let invalid = 0;
	const validateOnly = () => {
		invalid = 0;
		for (const item of items) if (!validate(item.json)) invalid++;
	};
	const validateAndBuild = () => {
		const valid: Array<{ json: unknown; pairedItem: { item: number } }> = [];
		const rejected: Array<{ json: unknown; pairedItem: { item: number } }> = [];
		for (let index = 0; index < items.length; index++) {
			const json = items[index].json;
			(validate(json) ? valid : rejected).push({ json, pairedItem: { item: index } });
		}
		if (valid.length + rejected.length !== items.length) throw new Error('items lost');
	};
	const validateOnLinear = () => {
		for (const item of items) validateLinear(item.json);
	};
	const compiled = compileSchema({ kind: 'jsonSchema', schema });
	const checkAsTheGuard = () => {
		for (const item of items) checkAgainstSchema(compiled, item.json, DEFAULT_SCHEMA_CONTRACT);
	};
	const [ajvMs, ajvItemsMs, ajvLinearMs, guardCoreMs] = timedInTurns(ROUNDS, [
		validateOnly,
		validateAndBuild,
		validateOnLinear,
		checkAsTheGuard,
	]);
	return {
		items: items.length,
		invalid,
		ajvUs: (ajvMs * 1000) / items.length,
		ajvItemsUs: (ajvItemsMs * 1000) / items.length,
		ajvLinearUs: (ajvLinearMs * 1000) / items.length,
		guardCoreUs: (guardCoreMs * 1000) / items.length,
	};
}

const us = (value: number): string =>
	Number.isNaN(value) ? 'n/a' : value.toFixed(value < 10 ? 2 : 1);

const times = (slow: number, fast: number): string =>
	Number.isNaN(slow) || Number.isNaN(fast) || fast <= 0 ? 'n/a' : `${(slow / fast).toFixed(1)}×`;

/**
 * One row per size: the in-process floor beside the two n8n contenders (their median
 * executionTime per item, NaN when the size did not run).
 */
export function bareAjvTable(
	rows: Array<BareAjvFigures & { guardUs: number; codeUs: number }>,
): string {
	return table(
		[
			'items',
			'bare Ajv µs/item',
			'bare Ajv + n8n items µs/item',
			'bare Ajv, re2js patterns µs/item',
			"Schema Guard's check, in process µs/item",
			'Schema Guard µs/item (in n8n)',
			'Code node µs/item (in n8n)',
			'Schema Guard ÷ (Ajv + items)',
			'Code node ÷ Schema Guard',
			'Ajv flagged invalid',
		],
		rows.map((row) => [
			count(row.items),
			us(row.ajvUs),
			us(row.ajvItemsUs),
			us(row.ajvLinearUs),
			us(row.guardCoreUs),
			us(row.guardUs),
			us(row.codeUs),
			times(row.guardUs, row.ajvItemsUs),
			times(row.codeUs, row.guardUs),
			count(row.invalid),
		]),
	);
}
