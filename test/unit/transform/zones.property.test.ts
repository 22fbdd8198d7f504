// The per-zone, per-hour offset table (zones.ts) against Intl, through Luxon's own zone,
// at and around every clock change of 20 zones and at random instants.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { IANAZone } from 'luxon';

import { cachedIanaZone } from '../../../nodes/shared/core/transform/zones';
import { RUNS, ZONES, transitions } from './property';

describe('the zone offset table equals Intl', () => {
	it('at clock changes (to the millisecond) and anywhere from 1850 to 2100', () => {
		const zones = new Map(ZONES.map((name) => [name, IANAZone.create(name) as IANAZone<true>]));
		const instant = fc.oneof(
			fc
				.record({
					index: fc.nat(),
					delta: fc.oneof(
						fc.integer({ min: -2, max: 2 }),
						fc.integer({ min: -7_200_000, max: 7_200_000 }),
					),
				})
				.map(({ index, delta }) => {
					const all = transitions();
					const change = all[index % all.length];
					return { zone: change.zone, at: change.at + delta };
				}),
			fc.record({
				zone: fc.constantFrom(...ZONES),
				at: fc.integer({ min: Date.UTC(1850, 0, 1), max: Date.UTC(2100, 0, 1) }),
			}),
		);
		fc.assert(
			fc.property(instant, ({ zone, at }) => {
				const intl = zones.get(zone)!;
				assert.equal(cachedIanaZone(intl).offset(at), intl.offset(at));
			}),
			{ numRuns: RUNS },
		);
	});
});
