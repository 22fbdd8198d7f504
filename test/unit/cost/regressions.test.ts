/**
 * Issue 20's Cost Guard pricing defects, each priced end to end from a vendor response:
 * Anthropic one-hour cache writes were priced at the five-minute rate (1.25× input
 * instead of 2×), and Claude Sonnet 4 / 4.5 calls over 200K input tokens at the standard
 * rate instead of the long-context rate ($6 / $22.50 per million, not $3 / $15).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { priceBook, priceUsage } from '../../../nodes/shared/core/cost/pricing';
import { parseUsage } from '../../../nodes/shared/core/cost/usage';

const book = priceBook();

function costOf(response: unknown): number {
	const parsed = parseUsage(response, 'auto');
	assert.ok(parsed.ok, parsed.ok ? '' : parsed.problem);
	return priceUsage(parsed.usage, book.priceOf(parsed.model!)!).nanos;
}

describe('Cost Guard pricing regressions (issue 20)', () => {
	it('prices Anthropic one-hour cache writes at 2× input, five-minute ones at 1.25×', () => {
		// Anthropic Messages usage with cache_creation split by duration (docs: prompt caching).
		const response = {
			type: 'message',
			model: 'claude-sonnet-4-5-20250929',
			usage: {
				input_tokens: 1_000,
				cache_creation_input_tokens: 30_000,
				cache_read_input_tokens: 0,
				cache_creation: { ephemeral_5m_input_tokens: 10_000, ephemeral_1h_input_tokens: 20_000 },
				output_tokens: 500,
			},
		};
		// 1,000 × $3 + 10,000 × $3.75 + 20,000 × $6 + 500 × $15 per million
		// = 0.003 + 0.0375 + 0.12 + 0.0075 = $0.168
		assert.equal(costOf(response), 168_000_000);
	});

	it('prices a Claude Sonnet 4.5 call over 200K input tokens at the long-context rates', () => {
		const response = {
			type: 'message',
			model: 'claude-sonnet-4-5',
			usage: {
				input_tokens: 150_000,
				cache_read_input_tokens: 60_000,
				cache_creation_input_tokens: 0,
				output_tokens: 2_000,
			},
		};
		// 210,000 input tokens in the request (150K + 60K read) > 200K: every token at the long rates,
		// 150,000 × $6 + 60,000 × $0.60 + 2,000 × $22.50 per million = 0.9 + 0.036 + 0.045 = $0.981
		assert.equal(costOf(response), 981_000_000);
	});

	it('keeps the standard rates at exactly 200K input tokens', () => {
		const response = {
			type: 'message',
			model: 'claude-sonnet-4-20250514',
			usage: { input_tokens: 200_000, output_tokens: 1_000 },
		};
		// 200,000 × $3 + 1,000 × $15 per million = 0.6 + 0.015 = $0.615
		assert.equal(costOf(response), 615_000_000);
	});
});
