/**
 * Replay markers bound to their lease. Replay puts `{ id, queue, attempt, owner, mac }`
 * on each item it hands out; Capture and Resolve act on the record it names only when
 * the MAC — HMAC-SHA256 with a secret kept in the store, never in a parameter — checks
 * out over id, queue, attempt and owner. Anything else (a webhook body carrying a
 * `deadLetter` field, a marker from before this check existed) is untrusted: Capture
 * stores it as a new record, Resolve refuses it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

import type { ReplayMarker } from './record';

export type MarkerFields = Pick<ReplayMarker, 'id' | 'queue' | 'attempt'> & { owner: string };

/** The MAC of a marker, hex. JSON of an array, so no field can run into the next. */
export function markerMac(secret: Buffer, marker: MarkerFields): string {
	return createHmac('sha256', secret)
		.update(JSON.stringify([marker.id, marker.queue, marker.attempt, marker.owner]))
		.digest('hex');
}

export type MarkerTrust = { trusted: true; owner: string } | { trusted: false; reason: string };

const HEX_MAC = /^[0-9a-f]{64}$/;

/** Whether a marker was issued by a Replay of `queue` in this store. Compares in constant time. */
export function verifyMarker(secret: Buffer, marker: ReplayMarker, queue: string): MarkerTrust {
	if (marker.queue !== queue)
		return { trusted: false, reason: `it names queue "${marker.queue}", not "${queue}"` };
	if (marker.owner === null || marker.mac === null)
		return {
			trusted: false,
			reason: 'it carries no signature (not issued by a Replay of this version)',
		};
	if (!HEX_MAC.test(marker.mac)) return { trusted: false, reason: 'its signature is malformed' };
	const expected = Buffer.from(
		markerMac(secret, {
			id: marker.id,
			queue: marker.queue,
			attempt: marker.attempt,
			owner: marker.owner,
		}),
		'hex',
	);
	const given = Buffer.from(marker.mac, 'hex');
	if (!timingSafeEqual(expected, given))
		return {
			trusted: false,
			reason: 'its signature does not match (edited, forged, or from another store)',
		};
	return { trusted: true, owner: marker.owner };
}
