// The format fast paths (fastFormats.ts) against ajv-formats' full validators, their oracle:
// on generated text (canonical forms, one-character mutations of them, random text) and on
// every format case of the official JSON Schema Test Suite, the fast path never accepts what
// the full validator refuses, and the format table answers exactly what the full validator
// behind it answers. The canonical forms must take the fast path (else it is no hot path).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fullFormats } from 'ajv-formats/dist/formats';

import { FAST_PATHS } from '../../../nodes/shared/core/schema/fastFormats';
import { formatTable } from '../../../nodes/shared/core/schema/formats';
import { assertLinearGrowth } from '../linear-time';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 20_000);

type Check = (text: string) => boolean;

function asCheck(format: unknown): Check {
	if (typeof format === 'function') return format as Check;
	if (format instanceof RegExp) return (text) => format.test(text);
	const validate = (format as { validate: unknown }).validate;
	return typeof validate === 'function'
		? (validate as Check)
		: (text) => (validate as RegExp).test(text);
}

const NAMES = Object.keys(FAST_PATHS);
/** ajv-formats itself, native RegExps: what the standard's validator says. */
const oracle = (name: string): Check => asCheck((fullFormats as Record<string, unknown>)[name]);
/** The package's table: fast path, then the full validator (on re2js where it runs). */
const table = (name: string): Check => asCheck(formatTable()[name]);

const digits = (count: number) =>
	fc
		.array(fc.constantFrom(...'0123456789'), { minLength: count, maxLength: count })
		.map((list) => list.join(''));
const pick = (...values: string[]) => fc.constantFrom(...values);

/** Canonical forms, with edges (day 29–31, 23:59:59, offsets ±23:59) and out-of-range parts. */
const date = fc
	.tuple(
		digits(4),
		pick('01', '02', '04', '12', '00', '13', '1a'),
		pick('01', '28', '29', '30', '31', '32', '00'),
	)
	.map(([year, month, day]) => `${year}-${month}-${day}`);
const time = fc
	.tuple(
		pick('00', '09', '23', '24', '2x'),
		pick('00', '59', '60'),
		pick('00', '59', '60', '5'),
		pick('', '.0', '.123', '.', '.5x', '.999999999999999'),
		pick('Z', 'z', '+00:00', '-23:59', '+24:00', '+10:60', '+0100', '', 'Zz', '+01:0'),
	)
	.map((parts) => `${parts[0]}:${parts[1]}:${parts[2]}${parts[3]}${parts[4]}`);
const dateTime = fc
	.tuple(date, pick('T', 't', ' ', 'x', 'TT'), time)
	.map(([day, separator, clock]) => `${day}${separator}${clock}`);
const label = fc.stringMatching(/^[a-zA-Z0-9-]{0,6}$/);
const email = fc
	.tuple(
		fc.stringMatching(/^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~@ -]{0,8}$/),
		pick('@', '', '@@'),
		fc.array(label, { minLength: 0, maxLength: 4 }),
	)
	.map(([local, at, labels]) => `${local}${at}${labels.join('.')}`);
const uri = fc
	.tuple(
		pick('https', 'http', 'h2', 'a+b.c-d', '1x', '', 'mailto'),
		pick('://', ':/', ':', '//', ':///'),
		fc.stringMatching(/^[a-zA-Z0-9.@:%[\]_~!$&'()*+,;=-]{0,10}$/),
		fc.stringMatching(/^[a-zA-Z0-9/?#%:@ .=&-]{0,12}$/),
	)
	.map((parts) => parts.join(''));
const hex = (count: number) =>
	fc
		.array(fc.constantFrom(...'0123456789abcdefABCDEFgG'), { minLength: count, maxLength: count })
		.map((list) => list.join(''));
const uuid = fc
	.tuple(
		pick('', 'urn:uuid:', 'URN:UUID:', 'urn:'),
		hex(8),
		pick('-', '', '_'),
		hex(4),
		pick('-', '--'),
		hex(4),
		hex(4),
		pick('-', ' '),
		fc.oneof(hex(12), hex(11), hex(13)),
	)
	.map(
		([prefix, a, dash, b, dash2, c, d, dash3, e]) =>
			`${prefix}${a}${dash}${b}${dash2}${c}-${d}${dash3}${e}`,
	);
const GENERATORS: Record<string, fc.Arbitrary<string>> = {
	date,
	time,
	'date-time': dateTime,
	email,
	uri,
	uuid,
};

/** One character replaced, inserted or removed: text next to the canonical form. */
function mutated(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
	return fc
		.tuple(
			base,
			fc.nat(),
			fc.constantFrom('', '0', 'T', 'Z', ':', '-', '.', '@', '/', ' ', '%', 'é', '\n'),
			fc.boolean(),
		)
		.map(([text, at, char, insert]) => {
			const index = text.length === 0 ? 0 : at % text.length;
			return text.slice(0, index) + char + text.slice(index + (insert ? 0 : 1));
		});
}

/** Every format case of the official suite (draft2020-12 and draft7). */
function suiteCases(): Array<{ format: string; text: string }> {
	const found: Array<{ format: string; text: string }> = [];
	for (const draft of ['draft2020-12', 'draft7']) {
		const folder = path.join(
			'test/fixtures/json-schema-test-suite/tests',
			draft,
			'optional/format',
		);
		for (const file of readdirSync(folder)) {
			const groups = JSON.parse(readFileSync(path.join(folder, file), 'utf8')) as Array<{
				schema: { format?: string };
				tests: Array<{ data: unknown }>;
			}>;
			for (const group of groups)
				for (const test of group.tests)
					if (typeof group.schema.format === 'string' && typeof test.data === 'string')
						found.push({ format: group.schema.format, text: test.data });
		}
	}
	return found;
}

describe('format fast paths: ajv-formats has the last word', () => {
	for (const name of NAMES) {
		const fast = FAST_PATHS[name];
		const full = oracle(name);
		const ours = table(name);
		it(`${name}: the fast path accepts only what ajv-formats accepts; the table answers as ajv-formats`, () => {
			fc.assert(
				fc.property(
					fc.oneof(GENERATORS[name], mutated(GENERATORS[name]), fc.string({ maxLength: 40 })),
					(text) => {
						if (fast(text))
							assert.equal(full(text), true, `fast path accepted ${JSON.stringify(text)}`);
						// re2js runs a few full patterns; on this text both engines agree.
						assert.equal(ours(text), full(text), JSON.stringify(text));
					},
				),
				{ numRuns: RUNS },
			);
		});
	}

	it('on every format case of the official JSON Schema Test Suite', () => {
		let checked = 0;
		for (const { format, text } of suiteCases()) {
			const fast = FAST_PATHS[format];
			if (fast === undefined) continue;
			checked++;
			if (fast(text))
				assert.equal(oracle(format)(text), true, `${format}: ${JSON.stringify(text)}`);
			assert.equal(table(format)(text), oracle(format)(text), `${format}: ${JSON.stringify(text)}`);
		}
		assert.ok(checked > 150, `only ${checked} suite cases had a fast path`);
	});

	it('reads long hostile text in linear time', () => {
		const cases: Array<[string, (size: number) => string]> = [
			['uri', (size) => `http://${'a'.repeat(size)}/${'%41/'.repeat(size)} `],
			['uri', (size) => `a${'+'.repeat(size)}`],
			['email', (size) => `${'a.'.repeat(size)}a@${'a-'.repeat(size)}!`],
			['date-time', (size) => `2024-05-01T12:00:00.${'1'.repeat(size)}x`],
		];
		for (const [name, attack] of cases) {
			const fast = FAST_PATHS[name];
			assertLinearGrowth(`${name} fast path`, [1_000, 10_000, 100_000], attack, (text) =>
				assert.equal(fast(text), false),
			);
		}
	});

	it('takes the fast path for the forms items usually carry', () => {
		const common: Record<string, string[]> = {
			date: ['2024-02-29', '1999-12-31'],
			time: ['12:00:00Z', '23:59:59.999+05:30'],
			'date-time': [new Date(0).toISOString(), '2024-05-01T12:00:00-07:00', '2024-05-01t12:00:00z'],
			email: ['user1@example.com', "te~st.o'neil+tag@mail.example.co.uk"],
			uri: ['https://example.com/u/1', 'http://localhost:8080/a/b?c=1&d=%20#top', 'urn:isbn'],
			uuid: ['00000000-0000-4000-8000-000000000042', 'F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6'],
		};
		for (const [name, texts] of Object.entries(common))
			for (const text of texts) {
				if (name === 'uri' && text === 'urn:isbn') {
					// Not the scheme://host form: the full validator answers (it accepts).
					assert.equal(FAST_PATHS.uri(text), false);
					assert.equal(table('uri')(text), true);
					continue;
				}
				assert.equal(FAST_PATHS[name](text), true, `${name}: ${text}`);
			}
		// Refused by the fast path and by the full validator alike.
		for (const [name, text] of [
			['date', '2023-02-29'],
			['date-time', '2024-05-01T24:00:00Z'],
			['date-time', '2024-05-01T12:00:00+10:60'],
			['email', 'not-an-email'],
			['email', 'a@b-.com'],
			['uri', 'https://example.org/foo bar.txt'],
			['uuid', '00000000-0000-4000-8000-00000000004g'],
			['uuid', '00000000-0000-4000-8000_000000000042'],
		] as const) {
			assert.equal(FAST_PATHS[name](text), false, `${name}: ${text}`);
			assert.equal(table(name)(text), false, `${name}: ${text}`);
		}
	});
});
