// Issue 14, finding 4 (Dead Letter's part): a failure pattern a user wrote runs on the
// linear-time engine. On main `^(a+)+$` ran on JavaScript's backtracking engine:
// about 2× the time per extra character, seconds at 26 characters, for ever at 40.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	BodyPatternError,
	compileBodyPatterns,
	commonBodyFailure,
	findHiddenFailure,
	type BodyPatternSpec,
} from '../../../nodes/shared/core/deadletter';
import { assertLinearGrowth, timeOnce } from '../linear-time';

const rule = (spec: Partial<BodyPatternSpec>): BodyPatternSpec => ({
	field: '',
	match: 'regex',
	value: '',
	class: 'auto',
	...spec,
});

describe('failure patterns written by the user run in linear time', () => {
	for (const source of ['^(a+)+$', '^([a-zA-Z0-9]+\\s?)*$']) {
		it(`${source} against a failing value: 18 → 26 characters, then 100,000`, () => {
			const patterns = compileBodyPatterns([rule({ field: 'status', value: source })]);
			const attack = (size: number) => ({ status: `${'a'.repeat(size)}!` });
			// 8 more characters cost a backtracking engine about 2^8 = 256× the time.
			assertLinearGrowth(source, [18, 26], attack, (item) =>
				assert.equal(findHiddenFailure(item, patterns, false), null),
			);
			const ms = timeOnce(() => findHiddenFailure(attack(100_000), patterns, false));
			console.log(`${source} on 100,001 characters: ${ms.toFixed(2)} ms`);
			assertLinearGrowth(
				`${source} (whole item as text)`,
				[10_000, 100_000],
				(size) => ({ note: 'a'.repeat(size) }),
				(item) => findHiddenFailure(item, compileBodyPatterns([rule({ value: source })]), false),
			);
		});
	}

	it('still matches what the user meant, ignoring case', () => {
		const patterns = compileBodyPatterns([
			rule({ field: 'error', value: 'invalid_(grant|token)' }),
			rule({ value: 'quota\\s+exceeded', class: 'rateLimit' }),
		]);
		assert.equal(
			findHiddenFailure({ error: 'INVALID_GRANT: refresh token revoked' }, patterns, false)?.where,
			'rule 1 (error)',
		);
		assert.deepEqual(
			findHiddenFailure({ data: { note: 'Daily Quota  Exceeded' } }, patterns, false),
			{
				message: 'Quota  Exceeded',
				where: 'rule 2 (whole item)',
				class: 'rateLimit',
			},
		);
		assert.equal(findHiddenFailure({ error: 'fine' }, patterns, false), null);
	});

	const refused: Array<[string, RegExp]> = [
		[
			'(a)\\1',
			/^Failure pattern 1: invalid regular expression: The pattern "\(a\)\\1" uses a backreference \(\\1\), which the linear-time engine cannot run: rewrite it without it$/,
		],
		[
			'error(?!_ignored)',
			/^Failure pattern 1: invalid regular expression: The pattern "error\(\?!_ignored\)" uses a lookahead/,
		],
		[
			'(?<=code: )\\d+',
			/^Failure pattern 1: invalid regular expression: The pattern .* uses a lookbehind/,
		],
		[
			'(unclosed',
			/^Failure pattern 1: invalid regular expression: The pattern "\(unclosed" is not a valid regular expression/,
		],
	];
	for (const [source, message] of refused) {
		it(`refuses ${source} before any item is read, naming the rule and what to change`, () => {
			assert.throws(
				() => compileBodyPatterns([rule({ value: source })]),
				(error: unknown) =>
					error instanceof BodyPatternError && error.rule === 1 && message.test(error.message),
			);
		});
	}
});

describe('built-in failure shapes stay linear', () => {
	it('a huge status text and a huge errors list', () => {
		assertLinearGrowth(
			'status text',
			[100_000, 1_000_000],
			(size) => ({ status: `${' '.repeat(size)}error${' '.repeat(size)}x` }),
			(item) => commonBodyFailure(item),
		);
		assertLinearGrowth(
			'errors list',
			[100_000, 1_000_000],
			(size) => ({ errors: Array.from({ length: size / 10 }, () => ({ message: 'x' })) }),
			(item) => commonBodyFailure(item),
		);
	});
});
