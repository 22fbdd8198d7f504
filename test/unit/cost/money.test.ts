import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	divideRounded,
	formatNanos,
	MoneyError,
	nanosToNumber,
	parseMoney,
	parseMoneyNanos,
	toSafeNanos,
} from '../../../nodes/shared/core/cost/money';
import { compilePrice, priceUsage } from '../../../nodes/shared/core/cost/pricing';

describe('money in nanos', () => {
	it('parses decimal amounts exactly', () => {
		assert.equal(parseMoney('2.50'), 2_500_000_000);
		assert.equal(parseMoney('0.000000001'), 1);
		assert.equal(parseMoney('.5'), 500_000_000);
		assert.equal(parseMoney('7.'), 7_000_000_000);
		assert.equal(parseMoney(' $12 '), 12_000_000_000);
		assert.equal(parseMoney(0.1), 100_000_000);
		assert.equal(parseMoney(0.075), 75_000_000);
		assert.equal(parseMoney(1e-7), 100);
		// An expression's float arithmetic is rounded to nanos, not refused.
		assert.equal(parseMoney(0.1 * 3), 300_000_000);
		assert.equal(parseMoney(1 / 3), 333_333_333);
		assert.equal(parseMoney(1e-10), 0);
		assert.equal(parseMoney('0'), 0);
	});

	it('refuses what is not an amount, naming it', () => {
		for (const input of [
			'',
			'-1',
			'1e3',
			'1,000.00',
			'1.0000000001',
			'abc',
			'0x10',
			'NaN',
			' . ',
			'1.2.3',
			null,
			undefined,
			{},
			[],
			true,
			-0.5,
			Number.NaN,
			Number.POSITIVE_INFINITY,
		]) {
			assert.throws(
				() => parseMoney(input),
				MoneyError,
				`${JSON.stringify(input)} must be refused`,
			);
		}
		assert.throws(() => parseMoney('1'.repeat(400)), MoneyError);
		assert.throws(() => parseMoney('10000000'), /more than a counter can hold/);
	});

	it('formats nanos back to decimals', () => {
		assert.equal(formatNanos(0), '0.00');
		assert.equal(formatNanos(1), '0.000000001');
		assert.equal(formatNanos(2_500_000_000), '2.50');
		assert.equal(formatNanos(-1_234_500_000), '-1.2345');
		assert.equal(formatNanos(123_456_789_012n), '123.456789012');
		assert.equal(nanosToNumber(1_500_000), 0.0015);
		assert.equal(formatNanos(parseMoneyNanos('3.141592653')), '3.141592653');
	});

	it('rounds a division half up', () => {
		assert.equal(divideRounded(5n, 10n), 1n);
		assert.equal(divideRounded(4n, 10n), 0n);
		assert.equal(divideRounded(15n, 10n), 2n);
		assert.throws(() => divideRounded(1n, 0n), RangeError);
		assert.throws(() => toSafeNanos(2n ** 60n), MoneyError);
	});

	it('adds a million small costs exactly, where floats drift', () => {
		// A gpt-4o-mini call of 37 input and 11 output tokens: 37×0.15 + 11×0.60 per million = 12.15 µ$.
		const price = compilePrice(
			'gpt-4o-mini',
			{ input: '0.15', output: '0.60', cachedInput: '0.075' },
			'builtIn',
		);
		const call = priceUsage(
			{
				inputTokens: 37,
				outputTokens: 11,
				cachedInputTokens: 0,
				cacheWriteTokens: 0,
				reasoningTokens: 0,
			},
			price,
		).nanos;
		assert.equal(call, 12_150);
		let nanos = 0;
		let float = 0;
		for (let index = 0; index < 1_000_000; index++) {
			nanos += call;
			float += 0.00001215;
		}
		assert.equal(nanos, 12_150_000_000);
		assert.equal(formatNanos(nanos), '12.15');
		// The float sum is not 12.15: the drift this representation avoids.
		assert.notEqual(float, 12.15);
	});
});
