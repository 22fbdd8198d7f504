import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	asAlertMarker,
	observeQueue,
	type AlertThresholds,
	type QueueAlertMarker,
} from '../../../nodes/shared/core/deadletter';

const HOUR = 3_600_000;
const T0 = 1_800_000_000_000;
const thresholds: AlertThresholds = { depth: 100, ageMs: 24 * HOUR };

/** Feeds observations through the marker as the store would keep it; returns the alerts of each. */
function sequence(
	observations: Array<{ depth: number; ageHours?: number; at?: number }>,
	limits = thresholds,
): string[][] {
	let marker: QueueAlertMarker | undefined;
	return observations.map(({ depth, ageHours, at }, step) => {
		const now = at ?? T0 + step * 1000;
		const decision = observeQueue(
			marker,
			{ depth, oldestOpenAt: ageHours === undefined ? null : now - ageHours * HOUR, now },
			limits,
		);
		if (decision.write) marker = decision.write;
		return decision.crossings;
	});
}

describe('observeQueue: one alert per crossing', () => {
	it('fires once when the depth reaches the threshold, not again while it stays above', () => {
		assert.deepEqual(
			sequence([{ depth: 10 }, { depth: 99 }, { depth: 100 }, { depth: 150 }, { depth: 400 }]),
			[[], [], ['depth'], [], []],
		);
	});

	it('fires again only after an observation saw it below', () => {
		assert.deepEqual(
			sequence([
				{ depth: 120 },
				{ depth: 130 },
				{ depth: 40 },
				{ depth: 60 },
				{ depth: 101 },
				{ depth: 99 },
				{ depth: 100 },
			]),
			[['depth'], [], [], [], ['depth'], [], ['depth']],
		);
	});

	it('alerts on age independently of depth, and both at once in one decision', () => {
		assert.deepEqual(
			sequence([
				{ depth: 1, ageHours: 2 },
				{ depth: 1, ageHours: 25 },
				{ depth: 1, ageHours: 30 },
				{ depth: 200, ageHours: 31 },
			]),
			[[], ['age'], [], ['depth']],
		);
		assert.deepEqual(sequence([{ depth: 500, ageHours: 48 }]), [['depth', 'age']]);
	});

	it('an empty queue has no age, and re-arms the age alert', () => {
		assert.deepEqual(
			sequence([{ depth: 3, ageHours: 30 }, { depth: 0 }, { depth: 1, ageHours: 25 }]),
			[['age'], [], ['age']],
		);
	});

	it('a threshold that is off never fires', () => {
		assert.deepEqual(
			sequence([{ depth: 1_000_000, ageHours: 1000 }], { depth: null, ageMs: null }),
			[[]],
		);
	});

	it('writes the marker only when a measure changes side', () => {
		const first = observeQueue(undefined, { depth: 5, oldestOpenAt: null, now: T0 }, thresholds);
		assert.deepEqual(first, {
			crossings: [],
			write: { observedAt: T0, depth: 5, depthAbove: false, ageAbove: false },
		});
		assert.equal(
			observeQueue(first.write!, { depth: 6, oldestOpenAt: null, now: T0 + 1 }, thresholds).write,
			null,
		);
	});

	it('ignores an observation older than the marker (a slow execution cannot replay an ended crossing)', () => {
		const marker: QueueAlertMarker = {
			observedAt: T0 + 5000,
			depth: 10,
			depthAbove: false,
			ageAbove: false,
		};
		assert.deepEqual(
			observeQueue(marker, { depth: 500, oldestOpenAt: null, now: T0 + 1000 }, thresholds),
			{ crossings: [], write: null },
		);
	});

	it("two racing observers: the one deciding again on the winner's marker does not alert", () => {
		const before: QueueAlertMarker = {
			observedAt: T0,
			depth: 90,
			depthAbove: false,
			ageAbove: false,
		};
		const observation = { depth: 104, oldestOpenAt: null, now: T0 + 10 };
		const winner = observeQueue(before, observation, thresholds);
		const loser = observeQueue(before, observation, thresholds);
		assert.deepEqual(
			[winner.crossings, loser.crossings],
			[['depth'], ['depth']],
			'both saw the crossing on the old marker',
		);
		// The loser's compare-and-set fails; deciding again on what the winner wrote:
		assert.deepEqual(observeQueue(winner.write!, observation, thresholds).crossings, []);
	});

	it('reads only well-formed markers back', () => {
		assert.equal(asAlertMarker(null), undefined);
		assert.equal(asAlertMarker({ observedAt: 'x', depthAbove: true, ageAbove: false }), undefined);
		assert.deepEqual(asAlertMarker({ observedAt: 1, depthAbove: true, ageAbove: false }), {
			observedAt: 1,
			depth: 0,
			depthAbove: true,
			ageAbove: false,
		});
	});
});
