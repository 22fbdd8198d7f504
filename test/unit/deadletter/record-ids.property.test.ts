// Record ids and replay keys are computed once per batch or written out (issue 17): they must
// stay what they were, since a retried capture relies on the same ids and a vendor on the same
// idempotency keys. The old computations are the oracles.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { deadLetterId, replayIdempotencyKey } from '../../../nodes/shared/core/deadletter';
import { idempotencyKey } from '../../../nodes/shared/core/idempotency';

/** deadLetterId as it was: the seed hashed for every id. */
function oracleId(seed: string, index: number): string {
	const hash = createHash('sha256').update(seed).digest('hex');
	const variant = ((parseInt(hash[15], 16) & 0x3) | 0x8).toString(16);
	const position = index.toString(16).padStart(12, '0');
	return `${hash.slice(0, 8)}-${hash.slice(8, 12)}-8${hash.slice(12, 15)}-${variant}${hash.slice(16, 19)}-${position}`;
}

describe('record ids and replay keys are unchanged', () => {
	it('deadLetterId equals the per-item hash, batches interleaved', () => {
		fc.assert(
			fc.property(
				fc.array(fc.tuple(fc.string({ unit: 'binary' }), fc.nat({ max: 2 ** 40 })), {
					minLength: 1,
					maxLength: 20,
				}),
				(calls) => {
					for (const [seed, index] of calls)
						assert.equal(deadLetterId(seed, index), oracleId(seed, index));
				},
			),
			{ numRuns: 2000 },
		);
	});

	it('the replay key of a record without a claimed key is idempotencyKey({ deadLetter: id })', () => {
		fc.assert(
			fc.property(fc.string({ unit: 'binary' }), (id) => {
				assert.equal(replayIdempotencyKey({}, id), idempotencyKey({ deadLetter: id }));
			}),
			{ numRuns: 5000 },
		);
	});
});
