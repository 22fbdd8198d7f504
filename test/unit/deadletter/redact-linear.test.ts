// Issue 14, finding 3: redaction runs on n8n's main thread for every failed item, so no
// text may make it slow. On main the JWT and URL-password patterns backtracked
// quadratically: 40 KiB of "eyJ-" took 3.8 s, 1 MiB would take minutes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	createRedactor,
	MAX_REDACT_DEPTH,
	MAX_SCAN_CHARS,
	REDACTED,
} from '../../../nodes/shared/core/deadletter';
import { fuzzCases } from '../../support/fuzz';
import { assertLinearGrowth, timeBest } from '../linear-time';

const redactor = createRedactor();
const MiB = 1024 * 1024;

/** Text of `size` characters repeating `unit`, then `tail`. */
const repeat =
	(unit: string, tail = '') =>
	(size: number) =>
		unit.repeat(Math.ceil((size - tail.length) / unit.length)).slice(0, size - tail.length) + tail;

/** Adversarial texts: each defeats a backtracking version of one pattern. */
const ATTACKS: Array<[string, (size: number) => string]> = [
	['"eyJ-" repeated (JWT)', repeat('eyJ-')],
	['"eyJ" runs between dots (JWT parts)', repeat('eyJaaaaaaaaa.')],
	['"a." repeated then "://" (URL password)', repeat('a.', '://')],
	['"://" then a long authority with colons', repeat(':a', '://x')],
	['"a://" repeated (URL authorities)', repeat('a://a:')],
	['"x:" repeated (header lines)', repeat('x:')],
	['a long name before ":" (header name)', repeat('a', ': v')],
	['spaces before ":" (header name)', repeat(' ', ':v')],
	['"token:" repeated (secret header lines)', repeat('token:')],
	['"password=" repeated (query parameters)', repeat('password=')],
	['quotes and backslashes (JSON in text)', repeat('"k\\":\\"')],
	['"\\"token\\":\\"" repeated (escaped JSON)', repeat('\\"token\\":\\"\\\\')],
	['unclosed "{" values (JSON objects in text)', repeat('"auth":{')],
	['"Bearer " repeated', repeat('Bearer ')],
	['"Basic " + base64 of colons', repeat('Basic OjpaOjo6Ojo6', '===')],
	['"sk-" repeated (vendor keys)', repeat('sk-')],
	['"SG." parts (vendor keys)', repeat('SG.aaaaaaaaaaaaaaaaaaaa')],
	['"-----BEGIN PRIVATE KEY-----" repeated', repeat('-----BEGIN PRIVATE KEY-----')],
	['digits (names with numbers)', repeat('1', 'x')],
];

describe('redaction runs in linear time on adversarial text', () => {
	for (const [what, make] of ATTACKS) {
		it(`${what}: 8 KiB → 80 KiB → 800 KiB`, () => {
			assertLinearGrowth(`${what}`, [8 * 1024, 80 * 1024, 800 * 1024], make, (text) =>
				redactor.redact({ note: text }),
			);
		});
	}

	it("1 MiB → 10 MiB of the issue's two attacks, each within the shape (10× the text < 20× the time)", () => {
		for (const [what, make] of [ATTACKS[0], ATTACKS[2]]) {
			const figures = assertLinearGrowth(`${what}`, [MiB, 10 * MiB], make, (text) =>
				redactor.redact({ note: text }),
			);
			console.log(`${what}: ${(figures[1].ms / 10).toFixed(1)} ms per MiB at 10 MiB`);
		}
	});

	it('an item of 10 MiB spread over many fields and rows', () => {
		const item = (size: number) => ({
			rows: Array.from({ length: size / (64 * 1024) }, (_, index) => ({
				index,
				note: repeat('eyJ-')(32 * 1024),
				url: repeat('a.', '://')(32 * 1024),
			})),
		});
		assertLinearGrowth('item of adversarial rows', [MiB, 10 * MiB], item, (value) =>
			redactor.redact(value),
		);
	});

	it(`text longer than ${MAX_SCAN_CHARS} characters is replaced whole, never cut (a cut could keep half a secret)`, () => {
		const huge = `${'x'.repeat(MAX_SCAN_CHARS)} password=hunter2`;
		const ms = timeBest(() => redactor.redact({ huge }), 1);
		const { value, count, paths } = redactor.redact({ huge });
		const kept = (value as { huge: string }).huge;
		console.log(
			`a ${huge.length.toLocaleString('en')}-character string: ${ms.toFixed(1)} ms → ${JSON.stringify(kept)}`,
		);
		assert.ok(!kept.includes('hunter2'));
		assert.ok(kept.startsWith(REDACTED));
		assert.match(kept, new RegExp(`text of ${huge.length} characters`));
		assert.equal(count, 1);
		assert.deepEqual(paths, ['huge (text)']);
	});

	it('still finds a secret at the end of a long adversarial text', () => {
		const text = `${repeat('eyJ-')(MiB)} Authorization: Bearer Zq7s3cr3t ${repeat('a.', '://')(MiB)} redis://:Zq7pw@host`;
		const out = JSON.stringify(redactor.redact({ text }).value);
		assert.ok(!out.includes('Zq7s3cr3t'));
		assert.ok(!out.includes('Zq7pw'));
	});
});

describe('hostile structures', () => {
	it('huge arrays, wide objects and hostile keys in linear time', () => {
		const wide = (size: number) => ({
			list: Array.from({ length: size }, (_, index) => index),
			object: Object.fromEntries(
				Array.from({ length: size / 10 }, (_, index) => [`k${index}`, { token: `t${index}` }]),
			),
			rawish: Array.from({ length: size }, (_, index) =>
				index % 2 === 0 ? 'Authorization' : `v${index}`,
			),
		});
		assertLinearGrowth('wide item', [10_000, 100_000], wide, (value) => redactor.redact(value));
		const { value } = redactor.redact(wide(10));
		assert.deepEqual((value as { rawish: string[] }).rawish, [
			'Authorization',
			REDACTED,
			'Authorization',
			REDACTED,
			'Authorization',
			REDACTED,
			'Authorization',
			REDACTED,
			'Authorization',
			REDACTED,
		]);
	});

	it('long keys and names do not cost more than their length', () => {
		const keyed = (size: number) => ({
			['1'.repeat(size) + 'x']: 'v',
			[`${'a'.repeat(size)}token`]: 's',
			note: `${'9'.repeat(size)}a: b`,
		});
		assertLinearGrowth('long keys', [10_000, 100_000, 1_000_000], keyed, (value) =>
			redactor.redact(value),
		);
		// Every element judged with a long parent name: the name is read once, not once per element.
		const underLongName = (size: number) => ({
			[`${'p'.repeat(size)}`]: Array.from({ length: size / 10 }, () => ({
				token: 't',
				key: 'k',
				value: 1,
			})),
		});
		assertLinearGrowth('elements under a long key', [10_000, 100_000], underLongName, (value) =>
			redactor.redact(value),
		);
	});

	it('__proto__, constructor, cycles and depth: no crash, no pollution, no stall', () => {
		const input = JSON.parse(
			'{"__proto__":{"token":"t","polluted":1},"constructor":{"prototype":{"apiKey":"k"}}}',
		) as Record<string, unknown>;
		const cyclic: Record<string, unknown> = { input };
		cyclic.self = cyclic;
		let deep: unknown = { password: 'p' };
		for (let level = 0; level < 100_000; level++) deep = [deep];
		const { value, cut } = redactor.redact({ cyclic, deep });
		const text = JSON.stringify(value);
		assert.ok(!text.includes('"t"') && !text.includes('"k"'));
		assert.equal(({} as Record<string, unknown>).polluted, undefined);
		assert.match(text, /\[circular\]/);
		assert.equal(cut, 1);
		assert.match(text, new RegExp(`nested deeper than ${MAX_REDACT_DEPTH}`));
	});

	it('every case of the shared fuzz generator: no crash, every planted secret redacted', () => {
		for (const fuzz of fuzzCases({ seed: 14 })) {
			const items = JSON.parse(fuzz.items) as unknown[];
			const out = JSON.stringify(redactor.redact(items));
			for (const secret of fuzz.secrets)
				assert.ok(!out.includes(secret), `${fuzz.name}: ${secret} survived`);
		}
	});
});
