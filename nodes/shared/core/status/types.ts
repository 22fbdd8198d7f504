import type { JsonValue } from '../json';
import type { LimiterView } from '../ratelimit/learned';

/**
 * Guards Status: every guard's state in one store, decoded with the owning core's own
 * types and parsers, and rendered as one page. Pure: the node scans the store and passes
 * the entries in; nothing here reads a clock or a store.
 */

/** One stored entry as the store's scan returns it (shaped like stores' ScannedEntry, without importing it). */
export interface StatusEntry {
	namespace: string;
	key: string;
	value: JsonValue;
	version: number | null;
	expiresAt: number | null;
}

/** What the node read, and how. */
export interface StatusInput {
	/** The store's clock when the scan began, epoch ms. */
	now: number;
	/**
	 * The store read: its kind and where it is, nothing secret (Redis and Postgres: host,
	 * port and db; Embedded: no file path).
	 */
	store: { backend: string; location: string };
	/** The Scope filter as typed, or null for every scope. */
	scope: string | null;
	records: StatusEntry[];
	counters: StatusEntry[];
	/** Open dead letters grouped per queue and class ({ open, leased, oldestOpenAt }). */
	queues: StatusEntry[];
	/** Rate Limiter's shared buckets and holds (Redis only; absent elsewhere). */
	limiters?: StatusEntry[];
	/**
	 * The limiters the n8n process running Guards Status holds (read from its memory):
	 * Embedded limiters' buckets, learned limits and holds; on Redis, what this process learned.
	 */
	processLimiters?: LimiterView[];
	/** Set when the scan stopped at the cap before reading everything. */
	cap: { limit: number; reached: boolean };
	/** Drift seen within this many days is listed (drift whose sightings are unknown too). */
	driftDays: number;
	/** Which guards are in this store at all (Dead Letter: not on Redis). */
	notes?: string[];
}

export type BreakerState = 'closed' | 'open' | 'halfOpen' | 'forcedOpen' | 'disabled';

export interface BreakerStatusRow {
	scope: string;
	name: string;
	state: BreakerState;
	/** ISO: when the breaker entered its state. */
	since: string;
	/** Seconds until an open breaker lets probes through (half-open); null unless open. */
	halfOpenInSeconds: number | null;
	calls: number;
	failures: number;
	failureRatePercent: number | null;
	/** Null when no recorded call carried a latency. */
	p95Ms: number | null;
	windowSeconds: number;
	opens: number;
	lastChange: { from: string; to: string; at: string; reason: string } | null;
	/** The stored statistics buckets, oldest first: calls and failures per bucket. */
	buckets: Array<{ start: string; calls: number; failures: number }>;
}

export interface BudgetPeriodRow {
	period: string;
	window: string;
	spent: number;
	limit: number | null;
	percentOfLimit: number | null;
	forecast: number | null;
	itemsLetThrough: number;
	itemLimit: number | null;
	/** Alerts claimed in this window (Cost Guard's alert counters). */
	thresholdsCrossed: Array<{ kind: string; threshold: number }>;
	/** Spend of every window of this period still stored, oldest first (this one last). */
	history: Array<{ window: string; spent: number }>;
}

export interface BudgetRow {
	scope: string;
	name: string;
	currency: string;
	/** False when no Check Budget stored the limits: spend only. */
	limitsKnown: boolean;
	periods: BudgetPeriodRow[];
}

export interface QuotaRow {
	scope: string;
	name: string;
	period: string;
	/** The latest window stored. */
	window: string;
	usage: number;
	/** The quota's uses per period, as its Quota node last wrote it; null when unknown (written before 2.1's records). */
	limit: number | null;
	percentOfLimit: number | null;
	remaining: number | null;
	/** The alert thresholds (%) configured, and those the usage has reached in this window. */
	thresholds: number[];
	thresholdsCrossed: number[];
	/** Thresholds (%) whose alert was sent in that window. */
	thresholdsAlerted: number[];
	history: Array<{ window: string; usage: number }>;
}

export interface DeadLetterRow {
	scope: string;
	open: number;
	leased: number;
	oldestAgeSeconds: number | null;
	classes: Array<{ class: string; open: number; leased: number; oldestAgeSeconds: number | null }>;
}

export interface DriftRow {
	scope: string;
	schema: string;
	kind: string;
	path: string;
	detail: string;
	/** Batches that showed it while remembered. */
	timesSeen: number;
	/** ISO: when Schema Guard first and last saw it; null in markers written before it kept them (unknown). */
	firstSeenAt: string | null;
	lastSeenAt: string | null;
}

export interface ExpiryRow {
	scope: string;
	status: string;
	/** The credential's display name as Credential Expiry Check outputs it; null in records written before 1.x kept it. */
	name: string | null;
	/** Where it was found: n8n, register, tls or token; null in older records. */
	kind: string | null;
	/** ISO: when it expires, as of the last check; null when unknown. */
	expiresAt: string | null;
	/** Whole calendar days left at the last check (the node's time zone). */
	daysLeft: number | null;
	/** ISO: the last check that refreshed this record (the alert time in older records). */
	checkedAt: string;
	/** A short hash of the credential's key (the store key): identifies records without a name. */
	credentialHash: string;
	/** ISO: the last alert for its current status; null when it has not alerted (or the alert's window passed). */
	alertedAt: string | null;
	/** When the same finding may alert again (the mark's expiry). */
	quietUntil: string | null;
}

export interface LearnedLimitRow {
	/** Requests per window the vendor's headers announced (null when they sent only what remained). */
	limit: number | null;
	remaining: number | null;
	windowSeconds: number | null;
	resetAt: string | null;
	observedAt: string;
	/** The n8n process that learned it: "n8n process <id>" (an id each process draws at start; from the limiter's record), or "this n8n process". */
	learnedBy: string;
}

export interface LimiterRow {
	scope: string;
	name: string;
	/** Where the bucket lives: "each n8n process" (Embedded; "this n8n process" when held here) or the Redis store. */
	location: string;
	/**
	 * Configured: the node's Limit per Per at its Target Utilization (from the limiter's
	 * record; null before a 2.1 node wrote one) and, as the bucket holds it, tokens added
	 * per interval and the burst.
	 */
	configured: {
		limit: number | null;
		per: string | null;
		targetUtilization: number | null;
		tokensPerInterval: number;
		intervalMs: number;
		perSecond: number;
		capacity: number | null;
	} | null;
	/** Tokens in the bucket at its last refill (in process: now); null for another process's bucket. */
	tokens: number | null;
	/**
	 * What the vendor's headers said, the latest any n8n process learned (the limiter's
	 * record in the store, or this process's memory when newer); null when none learned.
	 */
	learnedLimit: LearnedLimitRow | null;
	/** ISO: when a process last wrote the limiter's record, and which; null without a record. */
	recordedAt: string | null;
	recordedBy: string | null;
	/** ISO: a hold a vendor asked for (429 with Retry-After, nothing remaining), while it lasts. */
	holdUntil: string | null;
	holdInSeconds: number | null;
	/** Limiters of one name with different settings are different buckets. */
	settingsId: string;
}

export interface GuardsSnapshot {
	generatedAt: string;
	store: { backend: string; location: string };
	scope: string | null;
	/** False when the cap stopped the scan: the figures cover part of the store. */
	complete: boolean;
	recordsRead: number;
	warnings: string[];
	totals: {
		breakers: number;
		breakersOpen: number;
		budgets: number;
		budgetsOverThreshold: number;
		quotas: number;
		limitersHeld: number;
		deadLetters: number;
		driftFindings: number;
		/** Credentials with an alert remembered. */
		expiryAlerts: number;
		/** Credentials checked (every one Credential Expiry Check recorded). */
		expiries: number;
	};
	breakers: BreakerStatusRow[];
	/**
	 * Rate Limiter's limiters: `shared`, those on Redis (their bucket and holds in Redis);
	 * `process`, Embedded ones (a bucket in each n8n process), as recorded in the Embedded
	 * store by any process sharing its file, with tokens and holds where this process holds
	 * them. Each limiter records its configured and learned limits in its store.
	 */
	limiters: { note: string; shared: LimiterRow[]; process: LimiterRow[] };
	quotas: QuotaRow[];
	budgets: BudgetRow[];
	deadLetters: DeadLetterRow[];
	drift: DriftRow[];
	/** One row per credential (its latest status), the one that expires next first; unknown dates last. */
	expiries: ExpiryRow[];
}
