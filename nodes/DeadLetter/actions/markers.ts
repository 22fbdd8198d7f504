import { randomBytes, randomUUID } from 'node:crypto';

import type { IExecuteFunctions } from 'n8n-workflow';

import { deadletter, type stores } from '../../shared';

/**
 * Replay markers: the signed field Replay puts on each item it hands out, which Capture
 * and Resolve check before they settle the record it names.
 */

/** Record namespace of the store's own secrets; the MAC key of replay markers is one record, written once. */
const SECRET_NAMESPACE = 'deadletter-secrets';
const MARKER_KEY = 'replay-marker-mac';
const markerSecrets = new Map<string, Promise<Buffer>>();

/**
 * The store's secret for replay markers: created once in the store (written only if
 * absent, then read back, so racing processes agree), cached per store in the process.
 */
export async function markerSecret(store: stores.Store): Promise<Buffer> {
	const cacheKey = `${store.backend}|${store.location}`;
	let secret = markerSecrets.get(cacheKey);
	if (secret === undefined) {
		secret = loadMarkerSecret(store);
		markerSecrets.set(cacheKey, secret);
		secret.catch(() => markerSecrets.delete(cacheKey));
	}
	return await secret;
}

async function loadMarkerSecret(store: stores.Store): Promise<Buffer> {
	const read = async () =>
		(await store.read(SECRET_NAMESPACE, [MARKER_KEY])).records.get(MARKER_KEY)?.value;
	let value = await read();
	if (typeof value !== 'string') {
		await store.write(SECRET_NAMESPACE, [
			{ key: MARKER_KEY, value: randomBytes(32).toString('base64'), ifVersion: 0, ttlMs: null },
		]);
		value = await read();
	}
	if (typeof value !== 'string' || value.length < 40)
		throw new Error(`${store.location}: the dead-letter marker secret could not be created`);
	return Buffer.from(value, 'base64');
}

/** The lease owner of one Replay run: unique, so no other run's marker can match it. */
export function replayOwner(context: IExecuteFunctions): string {
	return `replay:${context.getExecutionId() || 'manual'}:${randomUUID()}`;
}

/** The signed marker fields Replay adds to each item it hands out. */
export function signMarker(
	secret: Buffer,
	fields: { id: string; queue: string; attempt: number; owner: string },
): { owner: string; mac: string } {
	return { owner: fields.owner, mac: deadletter.markerMac(secret, fields) };
}

/** A replay marker found for an item, and whether it is bound to a lease of this queue. */
export interface FoundMarker {
	marker: deadletter.ReplayMarker;
	trust: deadletter.MarkerTrust;
}

/**
 * The first marker among `candidates` (the item's own field, the item it was sent as,
 * the Replay's paired item) that verifies; else the first one found, untrusted; else null.
 */
export function pickMarker(
	secret: Buffer,
	queue: string,
	candidates: unknown[],
): FoundMarker | null {
	let untrusted: FoundMarker | null = null;
	for (const candidate of candidates) {
		const marker = deadletter.asReplayMarker(candidate);
		if (marker === null) continue;
		const trust = deadletter.verifyMarker(secret, marker, queue);
		if (trust.trusted) return { marker, trust };
		untrusted ??= { marker, trust };
	}
	return untrusted;
}
