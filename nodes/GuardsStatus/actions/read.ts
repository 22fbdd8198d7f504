import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import {
	operationError,
	optionsOf,
	scopeNamespace,
	status,
	stores,
	checkNumber,
	type OperationContext,
} from '../../shared';

/** What Snapshot and Render Page share: the scan of the store and the snapshot from it. */

export const GUARDS_STATUS_STORES = ['embedded', 'redis', 'postgres'] as const;

/** Entries one scan call asks for. */
const PAGE = 1000;

export const readOptions: INodeProperties[] = [
	{
		displayName: 'Max Entries',
		name: 'maxEntries',
		type: 'number',
		typeOptions: { minValue: 100, maxValue: 1_000_000 },
		default: 100_000,
		description:
			'Most stored records, counters and queue groups read for one snapshot. When a store holds more, the snapshot covers part of it and says so; set a Scope or raise this.',
	},
	{
		displayName: 'Drift Within (Days)',
		name: 'driftDays',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 3650 },
		default: 7,
		description:
			'Schema drift last seen within this many days is listed. Drift remembered before Schema Guard kept its sightings is always listed, its dates shown as unknown.',
	},
];

/** The scope a typed Scope names, as it appears after `<kind>:` in the store; null for every scope. */
function scopeFilter(context: IExecuteFunctions): string | null {
	const typed = String(context.getNodeParameter('scope', 0, '') ?? '').trim();
	if (typed === '') return null;
	// A workflow's own scope, typed to look at it: Guards Status only reads, and shows every
	// scope when Scope is empty anyway.
	if (/^workflow-/.test(typed)) return typed;
	// The same resolution the guards use (project:<name> → the project's id); any kind will do.
	return scopeNamespace(context, 'status', typed).slice('status:'.length);
}

/**
 * Where the store is, as the page may show it to whoever can open it: Redis and Postgres
 * by host, port and database (their locations hold no user or password); Embedded by its
 * kind only, never the file's path on the n8n host.
 */
export function shownLocation(store: { backend: string; location: string }): string {
	return store.backend === 'sqlite' ? 'Embedded (SQLite, in the n8n user folder)' : store.location;
}

/** Which store namespaces hold which guard's entries (see status.GUARD_KINDS). */
const SCANS: Array<{ kind: stores.ScanKind; guards: string[] }> = [
	// Rate Limiter's records: each limiter's configured and learned limits.
	{ kind: 'records', guards: ['breaker', 'cost', 'quota', 'expiry', 'ratelimit'] },
	{ kind: 'counters', guards: ['cost', 'quota', 'schema-drift'] },
	{ kind: 'queues', guards: ['deadletter'] },
	// Rate Limiter's shared buckets (Redis): filtered by scope in the core.
	{ kind: 'limiters', guards: ['ratelimit'] },
];

/**
 * Reads every guard's entries (bounded by Max Entries) and decodes them. One scan per
 * guard kind and entry kind, a page of 1,000 at a time; Redis may repeat an entry across
 * pages, so entries are kept once by namespace and key.
 */
export async function readSnapshot(op: OperationContext): Promise<status.GuardsSnapshot> {
	const { context } = op;
	const options = optionsOf(context);
	const cap = checkNumber(context, options('maxEntries', 100_000), 'Max Entries', {
		min: 100,
		max: 1_000_000,
		integer: true,
		unit: 'entries',
	});
	const driftDays = checkNumber(context, options('driftDays', 7), 'Drift Within (Days)', {
		min: 1,
		max: 3650,
		unit: 'days',
	});
	const scope = scopeFilter(context);
	const store = await op.store();
	if (store.scan === undefined)
		throw operationError(context, `${store.location} cannot list its entries`, {
			description: 'Use the Embedded, Redis or Postgres store of this package.',
		});
	const found: Record<stores.ScanKind, Map<string, stores.ScannedEntry>> = {
		records: new Map(),
		counters: new Map(),
		queues: new Map(),
		limiters: new Map(),
	};
	let read = 0;
	let reached = false;
	let now: number | null = null;
	for (const { kind, guards } of SCANS) {
		for (const guard of guards) {
			// With a Scope: that scope's namespace (and names that start with it, left out by
			// the core). Without: every namespace of the guard, version 1 quotas' bare `quota` too.
			// Limiters have one namespace; their scope is inside their key.
			const prefix = scope === null || kind === 'limiters' ? guard : `${guard}:${scope}`;
			let cursor: string | null = null;
			do {
				if (read >= cap) {
					reached = true;
					break;
				}
				const page: stores.ScanPage = await store.scan(prefix, {
					kind,
					limit: Math.min(PAGE, cap - read),
					cursor,
				});
				now ??= page.now;
				// Redis's COUNT is a hint: a page may bring more than asked for.
				if (page.entries.length > cap - read) reached = true;
				for (const entry of page.entries.slice(0, cap - read)) {
					// A limiter's settings and its hold come as two entries of one key.
					const part =
						kind === 'limiters' && entry.value !== null && typeof entry.value === 'object'
							? Object.keys(entry.value).join()
							: '';
					found[kind].set(`${entry.namespace}\u0000${entry.key}\u0000${part}`, entry);
				}
				read += Math.min(page.entries.length, cap - read);
				cursor = page.cursor;
			} while (cursor !== null);
		}
	}
	return status.buildSnapshot({
		now: now ?? op.clock.now(),
		store: { backend: store.backend, location: shownLocation(store) },
		scope,
		records: [...found.records.values()],
		counters: [...found.counters.values()],
		queues: [...found.queues.values()],
		limiters: [...found.limiters.values()],
		// Read-only, from this n8n process's memory: the limiters it holds (Embedded buckets,
		// and what it learned of limiters on Redis).
		processLimiters: stores.heldLimiterViews(now ?? op.clock.now()),
		cap: { limit: cap, reached },
		driftDays,
		notes:
			store.queue === undefined
				? [
						`${shownLocation(store)} keeps no dead letters (Dead Letter needs Embedded or Postgres).`,
					]
				: [],
	});
}
