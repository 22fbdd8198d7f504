import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';

import {
	compileUserPattern,
	isUserPattern,
	PATTERN_CACHE_SIZE,
	PatternError,
} from '../../nodes/shared/core/regex';
import { assertLinearGrowth, timeBest } from './linear-time';

/** The error compileUserPattern throws for `source`. */
function refusal(source: string, flags = '', label?: string): PatternError {
	try {
		compileUserPattern(source, { flags, label });
	} catch (error) {
		assert.ok(
			error instanceof PatternError,
			`expected a PatternError for ${source}, got ${String(error)}`,
		);
		return error;
	}
	assert.fail(`${source} compiled`);
}

describe('compileUserPattern: linear time', () => {
	it('runs the catastrophic patterns of issue 14 in linear time (JavaScript froze for seconds at 30 characters)', () => {
		for (const source of ['^(a+)+$', '^([a-zA-Z0-9]+\\s?)*$', '^(a|a)*$', '(x+x+)+y']) {
			const pattern = compileUserPattern(source);
			const attack = (size: number) => `${(source.startsWith('(x') ? 'x' : 'a').repeat(size)}!`;
			const ms = timeBest(() => assert.equal(pattern.test(attack(30)), false));
			console.log(`${source} on 31 characters: ${ms.toFixed(3)} ms`);
			assertLinearGrowth(`${source} test()`, [1_000, 10_000, 100_000], attack, (text) =>
				assert.equal(pattern.test(text), false),
			);
			// A matching text makes exec capture groups (re2js uses a faster engine below about 30,000 characters: compare above it).
			if (!source.startsWith('^(a+)') && !source.startsWith('^([')) continue;
			const matching = (size: number) => 'a'.repeat(size);
			assertLinearGrowth(`${source} exec() matching`, [100_000, 1_000_000], matching, (text) =>
				assert.equal(pattern.exec(text)?.[0], text),
			);
		}
	});

	it('still matches what these patterns mean', () => {
		const words = compileUserPattern('^([a-zA-Z0-9]+\\s?)*$');
		assert.equal(words.test('hello world 42'), true);
		assert.equal(words.test('hello, world'), false);
		assert.equal(compileUserPattern('^(a+)+$').test('a'.repeat(50_000)), true);
	});
});

describe('compileUserPattern: test() on V8 where proven linear', () => {
	// test() runs on JavaScript's RegExp when the pattern is deterministic (regex.ts,
	// nativeTester): each text must get re2js's answer (exec runs on re2js) and JavaScript's.
	const atoms = [
		'[a-]',
		'[\\-a]',
		'\\/',
		'[.]',
		'a',
		'b',
		'-',
		'\\.',
		'[ab]',
		'[^a]',
		'[a-c0-9]',
		'\\d',
		'\\w',
		'\\s',
		'\\S',
		'.',
		'[\\s-]',
	];
	const quantifiers = ['', '', '*', '+', '?', '{2}', '{1,3}', '{2,}'];
	const element = fc
		.tuple(fc.constantFrom(...atoms), fc.constantFrom(...quantifiers))
		.map(([atom, quantifier]) => atom + quantifier);
	const pattern = fc
		.tuple(fc.boolean(), fc.array(element, { minLength: 1, maxLength: 5 }), fc.boolean())
		.map(([start, elements, end]) => `${start ? '^' : ''}${elements.join('')}${end ? '$' : ''}`);
	const text = fc
		.array(
			fc.constantFrom('a', 'b', 'c', '1', '-', '.', ' ', '\n', '\u00a0', 'é', '😀', '\ud800'),
			{
				maxLength: 12,
			},
		)
		.map((chars) => chars.join(''));

	it('answers as re2js and as JavaScript on generated patterns and texts', () => {
		fc.assert(
			fc.property(pattern, text, (source, subject) => {
				const ours = compileUserPattern(source);
				const answer = ours.test(subject);
				assert.equal(
					answer,
					ours.exec(subject) !== null,
					`${source} on ${JSON.stringify(subject)}`,
				);
				assert.equal(answer, new RegExp(source, 'u').test(subject), `${source} (JavaScript)`);
			}),
			{ numRuns: 20_000 },
		);
	});

	it('keeps re2js where the u flag refuses what ECMAScript without it reads (a class escape in a range, a lone ] or })', () => {
		for (const [source, text, expected] of [
			['^[\\d-x]$', '-', true],
			['^[\\d-x]$', 'y', false],
			['^a]$', 'a]', true],
			['^a}$', 'a}', true],
		] as const) {
			const pattern = compileUserPattern(source);
			assert.equal(pattern.test(text), expected, `${source} on ${text}`);
			assert.equal(pattern.exec(text) !== null, expected, `${source} on ${text} (re2js)`);
		}
	});

	it('stays linear on patterns V8 would backtrack on for long (they stay on re2js)', () => {
		const cases: Array<[string, (size: number) => string]> = [
			['^a*a*$', (size) => `${'a'.repeat(size)}!`],
			['^[a-z]+[a-z0-9]*$', (size) => `${'a'.repeat(size)}!`],
			['^.*.*$', (size) => `${'a'.repeat(size)}\n`],
			['^\\d+\\d+$', (size) => `${'1'.repeat(size)}x`],
			['[a-z]+1', (size) => 'a'.repeat(size)],
			['^\\s*\\s*x$', (size) => `${' '.repeat(size)}!`],
		];
		for (const [source, attack] of cases) {
			const compiled = compileUserPattern(source);
			assertLinearGrowth(`${source} test()`, [1_000, 10_000, 100_000], attack, (subject) =>
				assert.equal(compiled.test(subject), false),
			);
		}
	});

	it('stays linear on the deterministic patterns it runs on V8', () => {
		const cases: Array<[string, (size: number) => string]> = [
			['^[^@]+@[^@]+$', (size) => 'a'.repeat(size)],
			['^\\+?[0-9 ]{8,20}$', (size) => '1'.repeat(size)],
			['^[a-z]+-\\d+$', (size) => `${'a'.repeat(size)}!`],
			['^\\S+\\s\\d*$', (size) => `${'x'.repeat(size)} 1x`],
			['^.*$', (size) => `${'a'.repeat(size)}\n`],
		];
		for (const [source, attack] of cases) {
			const compiled = compileUserPattern(source);
			assertLinearGrowth(`${source} test()`, [1_000, 10_000, 100_000], attack, (subject) =>
				assert.equal(compiled.test(subject), false),
			);
		}
	});
});

describe('compileUserPattern: what it refuses, and how it says so', () => {
	const cases: Array<[string, RegExp]> = [
		[
			'(a)\\1',
			/The pattern "\(a\)\\1" uses a backreference \(\\1\), which the linear-time engine cannot run: rewrite it without it/,
		],
		['(?<q>["\'])x\\k<q>', /uses a backreference \(\\k<q>\)/],
		['foo(?=bar)', /uses a lookahead \(\(\?=…\)/],
		['foo(?!bar)', /uses a lookahead \(\(\?!…\)/],
		['(?<=\\$)\\d+', /uses a lookbehind \(\(\?<=…\)/],
		['(?<!-)\\d+', /uses a lookbehind \(\(\?<!…\)/],
		['(?>a+)b', /atomic group/],
		['a++', /possessive quantifier \(\+\+\)/],
		['a{2}+', /possessive quantifier/],
		['a{1001}', /more than 1000 times/],
		['[\\1]', /octal escape/],
		['\\012', /octal escape/],
		[
			'\\Z',
			/"\\Z", which is not an escape in JavaScript regular expressions: write Z for the letter, or \$ for the end/,
		],
		['(abc', /is not a valid regular expression \(missing closing \)/],
		['abc\\', /lone backslash/],
	];
	for (const [source, message] of cases) {
		it(`refuses ${source}`, () => {
			const error = refusal(source);
			assert.match(error.message, message);
			assert.equal(error.pattern, source);
			assert.equal(isUserPattern(source), false);
		});
	}

	it('names the place the pattern came from', () => {
		const error = refusal('(a)\\1', '', 'Failure pattern 2');
		assert.match(error.message, /^Failure pattern 2: the pattern "\(a\)\\1" uses a backreference/);
		assert.equal(error.label, 'Failure pattern 2');
	});

	it('refuses unknown flags and very long patterns', () => {
		assert.match(refusal('a', 'y').message, /flag "y"/);
		assert.match(refusal('a'.repeat(20_001)).message, /20001 characters long/);
	});
});

describe('compileUserPattern: ECMAScript meaning kept', () => {
	const agree: Array<[string, string, string[]]> = [
		// [pattern, flags, texts]: each text must give the same answer as JavaScript's RegExp
		['^\\d{3}-\\d{4}$', '', ['555-1234', '555-12345', '५५५-१२३४']],
		['^\\w+$', '', ['abc_1', 'é', 'a-b']],
		['\\s', '', ['a b', 'a\u00a0b', 'a\u2028b', 'a\u000bb', 'a\ufeffb', 'ab']],
		['^\\S+$', '', ['abc', 'a b', 'a\u3000b', 'é😀']],
		['[\\s\\d]', '', ['x', ' ', '1']],
		['[^\\s]', '', [' ', '\u00a0', 'x']],
		['[\\s-x]', '', ['-', 'x', 'm']],
		['^a.c$', '', ['abc', 'a\nc', 'a\rc', 'a\u2028c']],
		['^a.c$', 's', ['a\nc', 'a\rc']],
		['^[^]$', '', ['\n', 'x']],
		['^[]$', '', ['', 'x']],
		['[[:alpha:]]', '', ['[', 'a', ':']],
		['^\\u00e9$', '', ['é', 'e']],
		['^\\u{1F600}$', 'u', ['😀']],
		['^\\uD83D\\uDE00$', '', ['😀']],
		['^\\x41\\cJ$', '', ['A\n']],
		['^\\0$', '', ['\u0000']],
		['^(?<year>\\d{4})-(?<month>\\d\\d)$', '', ['2024-05', '24-05']],
		['^\\p{Lu}+$', 'u', ['ÉCOLE', 'école']],
		['^\\p{Script=Greek}+$', 'u', ['αβγ', 'abc']],
		['^\\p{Letter}+$', 'u', ['école', 'Ελλάδα', 'abc1', '']],
		['^\\p{General_Category=Decimal_Number}+$', 'u', ['123', '١٢٣', '12a']],
		['^\\P{Punctuation}$', 'u', ['!', 'a']],
		['HELLO', 'i', ['hello', 'HeLLo', 'help']],
		['^b$', 'm', ['a\nb\nc', 'abc']],
		['a{,2}', '', ['a{,2}', 'aa']],
		['^\\/api\\/v\\d+$', '', ['/api/v2', 'api/v2']],
		['\\bcat\\b', '', ['a cat sat', 'concat']],
		['^[\\b]$', '', ['\b', 'b']],
		['^x?$', '', ['', 'x', 'xx']],
		['(a|ab)(c|bcd)(d*)', '', ['abcd']],
	];
	for (const [source, flags, texts] of agree) {
		it(`${source} ${flags === '' ? '' : `/${flags} `}agrees with JavaScript`, () => {
			const ours = compileUserPattern(source, { flags });
			const native = new RegExp(source, flags);
			for (const text of texts) {
				assert.equal(ours.test(text), native.test(text), `${JSON.stringify(text)}`);
				assert.deepEqual(ours.exec(text)?.[0], native.exec(text)?.[0], `${JSON.stringify(text)}`);
			}
		});
	}

	it('exec gives RegExp-shaped results: index, groups, named groups', () => {
		const match = compileUserPattern('(?<year>\\d{4})-(\\d\\d)').exec('due 2024-05 now');
		assert.ok(match !== null);
		assert.equal(match[0], '2024-05');
		assert.equal(match[1], '2024');
		assert.equal(match[2], '05');
		assert.equal(match.index, 4);
		assert.equal(match.groups?.year, '2024');
	});

	it('matchAll and replace go over every match', () => {
		const digits = compileUserPattern('\\d+');
		assert.deepEqual(
			digits.matchAll('a1 b22 c333').map((match) => [match[0], match.index]),
			[
				['1', 1],
				['22', 4],
				['333', 8],
			],
		);
		assert.deepEqual(digits.matchAll('a1 b22 c333', 2).length, 2);
		assert.equal(
			digits.replace('a1 b22 c333', (match) => `<${match[0].length}>`),
			'a<1> b<2> c<3>',
		);
		assert.equal(
			digits.replace('none', () => 'x'),
			'none',
		);
	});

	it('takes RE2 syntax when asked', () => {
		assert.equal(compileUserPattern('\\Aab\\z', { syntax: 're2' }).test('ab'), true);
		assert.equal(compileUserPattern('[[:digit:]]+', { syntax: 're2' }).test('42'), true);
	});

	it('survives lone surrogates and huge inputs', () => {
		assert.equal(compileUserPattern('^a.b$').test('a\ud800b'), true);
		assert.equal(compileUserPattern('x').test('\udfff'.repeat(1000)), false);
	});

	it('caches compiled patterns, bounded', () => {
		const first = compileUserPattern('^cache-me$', { flags: 'i' });
		assert.equal(compileUserPattern('^cache-me$', { flags: 'i' }), first);
		assert.equal(
			compileUserPattern('^cache-me$', { flags: 'iu' }),
			first,
			'u changes nothing: same entry',
		);
		assert.notEqual(compileUserPattern('^cache-me$'), first);
		for (let index = 0; index < PATTERN_CACHE_SIZE + 10; index++)
			compileUserPattern(`^filler-${index}$`);
		assert.notEqual(
			compileUserPattern('^cache-me$', { flags: 'i' }),
			first,
			'the oldest entry was evicted',
		);
	});
});
