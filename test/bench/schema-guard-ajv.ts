// The floor under Schema Guard, measured in the bench's own process (no n8n): bare Ajv 8
// (draft 2020-12, ajv-formats) compiled once from the benchmark's 15-rule schema and run over
// the same items, and bare Ajv plus what any node must add to hand the items back to n8n:
// `{ json, pairedItem }` per item sorted onto a valid and an invalid output, the json passed on
// as it came, or (Schema Guard's default output shape) a copy with a result field added. Printed
// beside Schema Guard's, the Code node's and No Operation's executionTime per item inside n8n
// (schema-guard.ts, all.ts), and Schema Guard's own check (its pure core: compile once, check
// every item) in this process.
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
	/** µs per item: validation and building the n8n items of two outputs, json passed on. */
	ajvItemsUs: number;
	/** µs per item: the same, each json copied with a result field (Schema Guard's default shape). */
	ajvResultItemsUs: number;
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
	const validateAndBuildWithResult = () => {
		const valid: Array<{ json: unknown; pairedItem: { item: number } }> = [];
		const rejected: Array<{ json: unknown; pairedItem: { item: number } }> = [];
		for (let index = 0; index < items.length; index++) {
			const json = items[index].json;
			const copy: Record<string, unknown> = { ...json };
			if (validate(json)) {
				copy.schemaGuard = { valid: true, schema: 'contact', version: '1', changes: [] };
				valid.push({ json: copy, pairedItem: { item: index } });
			} else {
				copy.schemaGuard = {
					valid: false,
					schema: 'contact',
					version: '1',
					errors: validate.errors,
				};
				rejected.push({ json: copy, pairedItem: { item: index } });
			}
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
	const [ajvMs, ajvItemsMs, ajvResultItemsMs, ajvLinearMs, guardCoreMs] = timedInTurns(ROUNDS, [
		validateOnly,
		validateAndBuild,
		validateAndBuildWithResult,
		validateOnLinear,
		checkAsTheGuard,
	]);
	return {
		items: items.length,
		invalid,
		ajvUs: (ajvMs * 1000) / items.length,
		ajvItemsUs: (ajvItemsMs * 1000) / items.length,
		ajvResultItemsUs: (ajvResultItemsMs * 1000) / items.length,
		ajvLinearUs: (ajvLinearMs * 1000) / items.length,
		guardCoreUs: (guardCoreMs * 1000) / items.length,
	};
}

const us = (value: number): string =>
	Number.isNaN(value) ? 'n/a' : value.toFixed(value < 10 ? 2 : 1);

const times = (slow: number, fast: number): string =>
	Number.isNaN(slow) || Number.isNaN(fast) || fast <= 0 ? 'n/a' : `${(slow / fast).toFixed(1)}×`;

/**
 * One row per size: Schema Guard in n8n beside the in-process floor (bare Ajv, bare Ajv with
 * the n8n items built) and the n8n contenders (median executionTime per item, NaN when the
 * size did not run): No Operation on the same items, the Code node.
 */
export function bareAjvTable(
	rows: Array<BareAjvFigures & { guardUs: number; codeUs: number; floorUs: number }>,
): string {
	return table(
		[
			'items',
			'Schema Guard µs/item (in n8n)',
			'bare Ajv µs/item',
			'bare Ajv + n8n items, json passed on µs/item',
			"bare Ajv + n8n items, result field added (Schema Guard's default shape) µs/item",
			'No Operation µs/item (in n8n, the floor)',
			'Code node µs/item (in n8n)',
			'Code node ÷ Schema Guard',
			'Schema Guard ÷ (Ajv + items with result)',
			"Schema Guard's check, in process µs/item",
			'bare Ajv, re2js patterns µs/item',
			'Ajv flagged invalid',
		],
		rows.map((row) => [
			count(row.items),
			us(row.guardUs),
			us(row.ajvUs),
			us(row.ajvItemsUs),
			us(row.ajvResultItemsUs),
			us(row.floorUs),
			us(row.codeUs),
			times(row.codeUs, row.guardUs),
			times(row.guardUs, row.ajvResultItemsUs),
			us(row.guardCoreUs),
			us(row.ajvLinearUs),
			count(row.invalid),
		]),
	);
}
