/**
 * User- and vendor-written patterns run in linear time (issue 14, finding 4): a schema
 * `pattern`, a field list's pattern, a Canonical Transform custom input format. What a
 * linear-time engine cannot run fails as bad configuration, naming the place.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { compileSchema, SchemaError } from '../../../nodes/shared/core/schema';
import { compileDate } from '../../../nodes/shared/core/transform/date';
import { DEFAULT_PROFILE } from '../../../nodes/shared/core/transform/profile';
import { assertSchemaError, check, compile, object } from './helpers';

/**
 * Times `run` at growing sizes and stops at the first step that grows faster than
 * linear (10× the size may cost at most 20× the time, above a floor for the clock):
 * exponential work fails at the first small step instead of never finishing.
 */
export function assertLinearSteps(
	label: string,
	sizes: readonly number[],
	run: (size: number) => void,
	floorMs = 5,
): void {
	const figures: string[] = [];
	let previous: { size: number; ms: number } | undefined;
	for (const size of sizes) {
		const allowed =
			previous === undefined
				? Number.POSITIVE_INFINITY
				: 2 * (size / previous.size) * Math.max(previous.ms, floorMs);
		let ms = Number.POSITIVE_INFINITY;
		// The first run warms up; when even it is far over, there is no need to try again.
		for (let attempt = 0; attempt < 4 && !(attempt === 1 && ms > 10 * allowed); attempt++) {
			const start = process.hrtime.bigint();
			run(size);
			const took = Number(process.hrtime.bigint() - start) / 1e6;
			ms = attempt === 0 ? took : Math.min(attempt === 1 ? took : ms, took);
		}
		figures.push(`${size.toLocaleString('en')} → ${ms.toFixed(2)} ms`);
		assert.ok(ms < allowed, `${label}: ${figures.join(', ')}: not linear`);
		previous = { size, ms };
	}
	console.log(`${label}: ${figures.join(', ')}`);
}

const EXPONENTIAL = ['^(a+)+$', '^([a-zA-Z0-9]+\\s?)*$'];

describe('Schema Guard patterns run in linear time', () => {
	for (const pattern of EXPONENTIAL) {
		it(`"${pattern}" on 15 → 100,000 characters that almost match`, () => {
			const schema = compile(object({ name: { type: 'string', pattern } }));
			assertLinearSteps(`pattern ${pattern}`, [15, 30, 1000, 10_000, 100_000], (size) => {
				const verdict = check(schema, { name: `${'a'.repeat(size)}!` });
				assert.equal(verdict.outcome, 'invalid');
			});
		});
	}

	it('still matches as JSON Schema says: unanchored, Unicode, character classes', () => {
		const schema = compile(
			object({
				sku: { type: 'string', pattern: '[A-Z]{2}-\\d+' },
				word: { type: 'string', pattern: '^\\p{L}+$' },
			}),
		);
		assert.equal(check(schema, { sku: 'x AB-12 y', word: 'Zoë' }).outcome, 'valid');
		assert.deepEqual(
			check(schema, { sku: 'ab-12', word: 'Zo3' }).problems.map((problem) => problem.message),
			[
				'sku should be text matching the pattern [A-Z]{2}-\\d+, but it is a string ("ab-12")',
				'word should be text matching the pattern ^\\p{L}+$, but it is a string ("Zo3")',
			],
		);
	});

	for (const [construct, pattern] of [
		['a backreference', '^(a)\\1$'],
		['a lookahead', '^(?=.*\\d)\\w+$'],
		['a negative lookbehind', '(?<!x)y'],
	]) {
		it(`refuses ${construct} before any item, naming the pattern and its place`, () => {
			const error = assertSchemaError(
				object({ lines: { type: 'array', items: object({ code: { type: 'string', pattern } }) } }),
				'/properties/lines/items/properties/code/pattern',
				/not a valid regular expression for Schema Guard/,
			);
			assert.ok(error.message.includes(pattern), error.message);
			assert.match(String(error.hint), /linear-time engine/);
		});
	}

	it("built-in formats (zod's and ours) stay linear on long near-misses", () => {
		const shapes: Array<(size: number) => string> = [
			(size) => `${'a'.repeat(size)}!`,
			(size) => `a@${'a.'.repeat(size / 2)}1`,
			(size) => `${'a-'.repeat(size / 2)}!`,
			(size) => `${'1:'.repeat(size / 2)}x`,
			(size) => `P${'1D'.repeat(size / 2)}x`,
		];
		for (const format of [
			'email',
			'uri',
			'uuid',
			'date-time',
			'date',
			'time',
			'duration',
			'ipv4',
			'ipv6',
			'hostname',
			'regex',
		]) {
			const schema = compile(object({ value: { type: 'string', format } }));
			assertLinearSteps(`format ${format}`, [1000, 10_000, 100_000], (size) => {
				for (const shape of shapes) check(schema, { value: shape(size) });
			});
		}
	});

	it('refuses the same in the field list, naming the field', () => {
		assert.throws(
			() =>
				compileSchema({
					kind: 'fields',
					fields: [{ name: 'code', type: 'string', required: true, pattern: '^(?=x)x$' }],
				}),
			(error: unknown) =>
				error instanceof SchemaError &&
				/Field 1 \("code"\)/.test(error.message) &&
				error.message.includes('^(?=x)x$'),
		);
	});
});

describe('Canonical Transform custom input formats run in linear time', () => {
	const convert = (format: string) =>
		compileDate(
			{
				input: 'custom',
				inputFormat: format,
				zone: null,
				output: 'iso',
				outputFormat: null,
				outputZone: 'UTC',
			},
			DEFAULT_PROFILE,
		);

	it('adjacent variable-width tokens ("HmS" repeated) on values that almost match', () => {
		// Luxon builds (\d{1,2})(\d{1,2})(\d{1,3})… from the format; JavaScript's engine
		// tries every split of the digits: 45 characters of format took 0.6 s per value.
		assertLinearSteps('custom format HmS×k', [4, 8, 12, 16, 32], (tokens) => {
			const reader = convert('HmS'.repeat(tokens).slice(0, 100));
			const value = `${'1'.repeat(Math.min(99, tokens * 3 + 3))}x`.slice(-100);
			for (let repeat = 0; repeat < 5; repeat++) assert.throws(() => reader(value));
		});
	});

	it('reads what it read before', () => {
		assert.equal(convert('dd MMM yyyy HH:mm')('04 Mar 2025 13:45'), '2025-03-04T13:45:00Z');
		assert.equal(convert("yyyyMMdd'T'HHmmssZZZ")('20250304T134500+1100'), '2025-03-04T02:45:00Z');
		assert.equal(convert('d/M/yy h:mm a')('4/3/25 1:45 PM'), '2025-03-04T13:45:00Z');
		assert.equal(convert('EEEE, d MMMM yyyy')('tuesday, 4 march 2025'), '2025-03-04T00:00:00Z');
	});
});
