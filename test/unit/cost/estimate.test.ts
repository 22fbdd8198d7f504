/**
 * Prompt token counts (Check Budget's estimate): exact for text with words, and linear in
 * the length of any text, so a prompt cannot stall n8n's event loop (issue 14: no input
 * may stall it; the tokenizer alone is quadratic in the length of one word).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { promptTokens, TOKEN_CHUNK } from '../../../nodes/shared/core/cost/estimate';

const whole = (
	require('gpt-tokenizer/cjs/encoding/o200k_base') as { countTokens: (text: string) => number }
).countTokens;

function timed(run: () => void): number {
	const started = process.hrtime.bigint();
	run();
	return Number(process.hrtime.bigint() - started) / 1e6;
}

describe('promptTokens', () => {
	test('counts text with words exactly as the tokenizer does on the whole text', () => {
		const words = [
			'Summarise',
			'the',
			'quick',
			'brown',
			'fox,',
			'naïve',
			'café',
			'😀',
			'données',
			'über',
			'\n\n',
			'x'.repeat(40),
			'1234567',
		];
		const texts = [
			'',
			'x',
			'Summarise: the quick brown fox jumps over the lazy dog.',
			Array.from({ length: 30_000 }, (_, index) => words[(index * 7) % words.length]).join(' '),
			`${'word '.repeat(TOKEN_CHUNK)}\n${'line\n'.repeat(TOKEN_CHUNK)}`,
		];
		for (const text of texts)
			assert.equal(promptTokens(text), whole(text), `${text.length} characters`);
	});

	test('a run without whitespace is counted in bounded chunks: close to the whole count, surrogate pairs kept whole', () => {
		const text = `${'ab'.repeat(3000)}${'😀'.repeat(1500)}`;
		const counted = promptTokens(text);
		const exact = whole(text);
		assert.ok(
			Math.abs(counted - exact) <= Math.ceil(text.length / TOKEN_CHUNK) * 2,
			`${counted} vs ${exact}`,
		);
	});

	test('time is linear in the length of adversarial text (1 MiB and 10 MiB, printed)', (t) => {
		for (const [name, make] of [
			['one long word', (size: number) => 'x'.repeat(size)],
			['letters then a mark', (size: number) => `${'a'.repeat(size - 1)}!`],
			['JWT-like', (size: number) => 'eyJ-'.repeat(size / 4)],
		] as Array<[string, (size: number) => string]>) {
			const small = make(1024 * 1024);
			const large = make(10 * 1024 * 1024);
			const smallMs = timed(() => promptTokens(small));
			const largeMs = timed(() => promptTokens(large));
			t.diagnostic(
				`${name}: 1 MiB ${smallMs.toFixed(0)} ms, 10 MiB ${largeMs.toFixed(0)} ms (${(largeMs / smallMs).toFixed(1)}x)`,
			);
			assert.ok(
				largeMs < 20 * Math.max(smallMs, 5),
				`${name}: 10x the text cost ${(largeMs / smallMs).toFixed(1)}x the time`,
			);
		}
	});
});
