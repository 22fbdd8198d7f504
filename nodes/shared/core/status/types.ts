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
	/** Drift markers first seen within this many days are listed. */
	driftDays: number;
	/** Schema Guard's drift memory lifetime (days): a marker's first sighting is its expiry minus this. */
	driftLifetimeDays: number;
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
	/** Estimated from the marker's expiry and the memory lifetime; see StatusInput. */
	firstSeenAt: string | null;
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
	alertedAt: string;
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
	/** Where it was learned: learned limits live in process memory, never in a store. */
	learnedIn: 'this n8n process';
}

export interface LimiterRow {
	scope: string;
	name: string;
	/** Where the bucket lives: "this n8n process" (Embedded) or the Redis store. */
	location: string;
	/** Configured, as the bucket holds it: tokens added per interval, and the burst. */
	configured: {
		tokensPerInterval: number;
		intervalMs: number;
		perSecond: number;
		capacity: number | null;
	} | null;
	/** Tokens in the bucket at its last refill (in process: now). */
	tokens: number | null;
	/**
	 * What the vendor's headers said, as this n8n process learned it; null when it learned
	 * nothing (on Redis: another worker's learned limit is in that worker's memory).
	 */
	learnedLimit: LearnedLimitRow | null;
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
		expiryAlerts: number;
	};
	breakers: BreakerStatusRow[];
	/**
	 * Rate Limiter's token buckets are not in this store's records: they live in each n8n
	 * process (Embedded; `process` lists this process's) or in bottleneck's own Redis keys
	 * (`shared`). Learned limits live in process memory only. Its Quotas are in the store.
	 */
	limiters: { note: string; shared: LimiterRow[]; process: LimiterRow[] };
	quotas: QuotaRow[];
	budgets: BudgetRow[];
	deadLetters: DeadLetterRow[];
	drift: DriftRow[];
	/** One row per credential (its latest status), the one that expires next first; unknown dates last. */
	expiries: ExpiryRow[];
}
