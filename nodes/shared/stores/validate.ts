import type {
	CounterIncrement,
	LeaseDueRule,
	LeaseRequest,
	PurgeOptions,
	NewQueueEntry,
	QueueEntryStatus,
	QueueListOptions,
	QueueSettlement,
	RecordDelete,
	RecordWrite,
} from './types';
import { DAY_MS, MINUTE_MS } from '../core/time';

/**
 * The one place where every backend checks its inputs, so SQLite, Redis and Postgres
 * accept and reject exactly the same things. Caller mistakes are TypeErrors (or a
 * RangeError for counter overflow), never StoreErrors: they are bugs to fix, not
 * outages to route around.
 */

/** Longest namespace, in UTF-8 bytes. */
export const MAX_NAMESPACE_BYTES = 256;
/** Longest key, queue id, category or owner, in UTF-8 bytes (fits a Postgres btree row). */
export const MAX_KEY_BYTES = 1024;
/** Longest TTL or lease: 100 years, so `now + ttl` stays a safe integer. */
export const MAX_DURATION_MS = 100 * 365 * DAY_MS;
/** Deepest JSON nesting a value may have. */
export const MAX_JSON_DEPTH = 512;
/** Most entries one lease or list call may return. */
export const MAX_QUEUE_LIMIT = 10_000;

export const QUEUE_STATUSES: readonly QueueEntryStatus[] = [
	'pending',
	'leased',
	'done',
	'discarded',
];
const SETTLE_STATUSES = ['done', 'pending', 'discarded'] as const;

export interface NormalizedWrite {
	key: string;
	/** The value serialised as JSON text. */
	json: string;
	ifVersion: number | null;
	ttlMs: number | null;
}

export interface NormalizedDelete {
	key: string;
	ifVersion: number | null;
}

export interface NormalizedIncrement {
	key: string;
	by: number;
	ttlMs: number | null;
}

export interface NormalizedEntry {
	id: string;
	category: string | null;
	/** The data serialised as JSON text. */
	json: string;
}

export interface NormalizedSettlement {
	id: string;
	owner: string | null;
	status: 'done' | 'pending' | 'discarded';
	/** The patch serialised as JSON text, or null. */
	patchJson: string | null;
	/** The new category, or null to keep it. */
	category: string | null;
	/** The settled lease is taken back from attempts (countLease: false). */
	uncount: boolean;
}

export interface NormalizedLease {
	limit: number;
	leaseMs: number;
	owner: string;
	ids: string[] | null;
	categories: string[] | null;
	enqueuedBefore: number | null;
	/** The due rules as one JSON text, or null; see normalizeDue. */
	dueJson: string | null;
	parkBefore: number | null;
}

/** Most redelivery rules one lease may carry (a class per schedule step). */
export const MAX_DUE_RULES = 1000;

export interface NormalizedList {
	statuses: QueueEntryStatus[] | null;
	ids: string[] | null;
	categories: string[] | null;
	limit: number;
}

// A UTF-16 string with a lone surrogate cannot be encoded as UTF-8: two different keys
// would collapse into the same stored key, so such strings are refused.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	if (typeof value === 'string') return `a string of ${value.length} characters`;
	if (typeof value === 'object')
		return `a ${(value as object).constructor?.name ?? 'null-prototype object'}`;
	return `${typeof value} ${String(value)}`;
}

/** A non-empty, well-formed string without NUL, at most `maxBytes` UTF-8 bytes. */
export function assertText(value: unknown, what: string, maxBytes = MAX_KEY_BYTES): string {
	if (typeof value !== 'string')
		throw new TypeError(`${what} must be a string, got ${describe(value)}`);
	if (value.length === 0) throw new TypeError(`${what} must not be empty`);
	const bytes = Buffer.byteLength(value, 'utf8');
	if (bytes > maxBytes) {
		throw new TypeError(
			`${what} is ${bytes} bytes long; the limit is ${maxBytes} bytes (hash long keys first)`,
		);
	}
	if (value.includes('\u0000'))
		throw new TypeError(`${what} must not contain a NUL character (\\u0000)`);
	if (LONE_SURROGATE.test(value))
		throw new TypeError(`${what} contains a lone UTF-16 surrogate and is not valid Unicode`);
	return value;
}

export function assertNamespace(namespace: unknown): string {
	return assertText(namespace, 'Store namespace', MAX_NAMESPACE_BYTES);
}

export function assertKey(key: unknown, what = 'Store key'): string {
	return assertText(key, what, MAX_KEY_BYTES);
}

export function assertArray<T>(value: unknown, what: string): T[] {
	if (!Array.isArray(value))
		throw new TypeError(`${what} must be an array, got ${describe(value)}`);
	return value as T[];
}

function assertObject(value: unknown, what: string): Record<string, unknown> {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) {
		throw new TypeError(`${what} must be an object, got ${describe(value)}`);
	}
	return value as Record<string, unknown>;
}

export function assertSafeInteger(value: unknown, what: string): number {
	if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
		throw new TypeError(`${what} must be a safe integer, got ${describe(value)}`);
	}
	return value;
}

function assertCount(value: unknown, what: string, max: number): number {
	const count = assertSafeInteger(value, what);
	if (count < 1 || count > max)
		throw new TypeError(`${what} must be between 1 and ${max}, got ${count}`);
	return count;
}

/** An optional compare-and-set version: absent means unconditional. */
export function assertVersion(value: unknown, what: string): number | null {
	if (value === undefined || value === null) return null;
	const version = assertSafeInteger(value, what);
	if (version < 0) throw new TypeError(`${what} must be 0 or more, got ${version}`);
	return version;
}

/** An optional time to live: absent or null means forever. */
export function assertTtl(value: unknown, what: string): number | null {
	if (value === undefined || value === null) return null;
	return assertDuration(value, what);
}

function assertDuration(value: unknown, what: string): number {
	return assertCount(value, `${what} (ms)`, MAX_DURATION_MS);
}

/** Epoch milliseconds. */
export function assertTimestamp(value: unknown, what: string): number {
	const time = assertSafeInteger(value, what);
	if (time < 0) throw new TypeError(`${what} must be epoch milliseconds (0 or more), got ${time}`);
	return time;
}

/**
 * A plain object, also from another realm (n8n may build items in a vm sandbox, whose
 * Object.prototype is not ours): its prototype is null or a root prototype.
 */
function isPlainObject(value: unknown): value is Record<string, unknown> {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
	if (Object.prototype.toString.call(value) !== '[object Object]') return false;
	const proto = Object.getPrototypeOf(value) as object | null;
	return proto === null || Object.getPrototypeOf(proto) === null;
}

function pathTo(path: string, key: string): string {
	return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * Checks that a value survives a JSON round trip unchanged, and returns its JSON text.
 * Object properties that are `undefined` are left out, as JSON.stringify and
 * stableHash do; anything else that JSON cannot carry is refused with its path.
 */
export function encodeJson(value: unknown, what: string): string {
	checkJson(value, { what, trail: [] }, new Set(), 0);
	return JSON.stringify(value);
}

/**
 * Where the walk is: the keys and indexes from the root. Written out as a path only for
 * an error message, not for every field of every value stored.
 */
interface Trail {
	what: string;
	trail: Array<string | number>;
}

function pathText({ what, trail }: Trail): string {
	let path = what;
	for (const segment of trail)
		path = typeof segment === 'number' ? `${path}[${segment}]` : pathTo(path, segment);
	return path;
}

function checkJson(value: unknown, at: Trail, ancestors: Set<object>, depth: number): void {
	switch (typeof value) {
		case 'string':
		case 'boolean':
			return;
		case 'number':
			if (!Number.isFinite(value))
				throw new TypeError(
					`${pathText(at)} is ${value}; only finite numbers can be stored as JSON`,
				);
			return;
		case 'object':
			if (value === null) return;
			break;
		default:
			throw new TypeError(
				`${pathText(at)} is ${describe(value)}; only JSON values (objects, arrays, strings, finite numbers, booleans, null) can be stored`,
			);
	}
	if (depth >= MAX_JSON_DEPTH)
		throw new TypeError(`${pathText(at)} is nested deeper than ${MAX_JSON_DEPTH} levels`);
	if (ancestors.has(value))
		throw new TypeError(`${pathText(at)} refers to itself (a cycle) and cannot be stored as JSON`);
	if (!Array.isArray(value) && !isPlainObject(value)) {
		throw new TypeError(
			`${pathText(at)} is ${describe(value)}; only plain objects and arrays can be stored as JSON`,
		);
	}
	ancestors.add(value);
	if (Array.isArray(value)) {
		for (let index = 0; index < value.length; index++) {
			at.trail.push(index);
			// JSON.stringify would turn a hole or undefined into null: refuse rather than change the value.
			if (value[index] === undefined)
				throw new TypeError(`${pathText(at)} is undefined; arrays must hold JSON values`);
			checkJson(value[index], at, ancestors, depth + 1);
			at.trail.pop();
		}
	} else {
		for (const key of Object.keys(value)) {
			const entry = (value as Record<string, unknown>)[key];
			if (entry === undefined) continue;
			at.trail.push(key);
			checkJson(entry, at, ancestors, depth + 1);
			at.trail.pop();
		}
	}
	ancestors.delete(value);
}

/** Throws when a counter would leave the range where JavaScript numbers are exact. */
export function assertCounterInRange(value: number, key: string): void {
	if (!Number.isSafeInteger(value)) {
		throw new RangeError(
			`Counter ${JSON.stringify(key)} would reach ${value}, outside the safe integer range (±${Number.MAX_SAFE_INTEGER}); nothing in the batch was applied`,
		);
	}
}

export function normalizeKeys(keys: unknown): string[] {
	return assertArray<unknown>(keys, 'Keys').map((key, index) => assertKey(key, `keys[${index}]`));
}

export function normalizeWrites(writes: unknown): NormalizedWrite[] {
	return assertArray<unknown>(writes, 'Writes').map((raw, index) => {
		const what = `writes[${index}]`;
		const write = assertObject(raw, what) as Partial<RecordWrite>;
		if (!('value' in write) || write.value === undefined)
			throw new TypeError(`${what}.value is missing; store null for "no value"`);
		return {
			key: assertKey(write.key, `${what}.key`),
			json: encodeJson(write.value, `${what}.value`),
			ifVersion: assertVersion(write.ifVersion, `${what}.ifVersion`),
			ttlMs: assertTtl(write.ttlMs, `${what}.ttlMs`),
		};
	});
}

export function normalizeDeletes(deletes: unknown): NormalizedDelete[] {
	return assertArray<unknown>(deletes, 'Deletes').map((raw, index) => {
		const what = `deletes[${index}]`;
		const remove = assertObject(raw, what) as Partial<RecordDelete>;
		return {
			key: assertKey(remove.key, `${what}.key`),
			ifVersion: assertVersion(remove.ifVersion, `${what}.ifVersion`),
		};
	});
}

export function normalizeIncrements(increments: unknown): NormalizedIncrement[] {
	return assertArray<unknown>(increments, 'Increments').map((raw, index) => {
		const what = `increments[${index}]`;
		const increment = assertObject(raw, what) as Partial<CounterIncrement>;
		return {
			key: assertKey(increment.key, `${what}.key`),
			by: assertSafeInteger(increment.by, `${what}.by`),
			ttlMs: assertTtl(increment.ttlMs, `${what}.ttlMs`),
		};
	});
}

function optionalTexts(value: unknown, what: string): string[] | null {
	if (value === undefined || value === null) return null;
	return assertArray<unknown>(value, what).map((entry, index) =>
		assertText(entry, `${what}[${index}]`),
	);
}

function optionalText(value: unknown, what: string): string | null {
	if (value === undefined || value === null) return null;
	return assertText(value, what);
}

function assertJsonObject(value: unknown, what: string): string {
	if (!isPlainObject(value))
		throw new TypeError(`${what} must be a plain JSON object, got ${describe(value)}`);
	return encodeJson(value, what);
}

export function assertQueueName(queue: unknown): string {
	return assertText(queue, 'Queue name', MAX_NAMESPACE_BYTES);
}

export function normalizeEntries(entries: unknown): NormalizedEntry[] {
	return assertArray<unknown>(entries, 'Queue entries').map((raw, index) => {
		const what = `entries[${index}]`;
		const entry = assertObject(raw, what) as Partial<NewQueueEntry>;
		return {
			id: assertText(entry.id, `${what}.id`),
			category: optionalText(entry.category, `${what}.category`),
			json: assertJsonObject(entry.data, `${what}.data`),
		};
	});
}

export function normalizeLease(request: unknown): NormalizedLease {
	const lease = assertObject(request, 'Lease request') as Partial<LeaseRequest>;
	return {
		limit: assertCount(lease.limit, 'Lease limit', MAX_QUEUE_LIMIT),
		leaseMs: assertDuration(lease.leaseMs, 'Lease leaseMs'),
		owner: assertText(lease.owner, 'Lease owner'),
		ids: optionalTexts(lease.ids, 'Lease ids'),
		categories: optionalTexts(lease.categories, 'Lease categories'),
		enqueuedBefore:
			lease.enqueuedBefore === undefined || lease.enqueuedBefore === null
				? null
				: assertTimestamp(lease.enqueuedBefore, 'Lease enqueuedBefore'),
		...normalizeDue(lease.due),
	};
}

/**
 * The redelivery rules of a lease, checked and written as one JSON array of short keys
 * (c, a0, a1, w, j, ra, rm, rb) that the SQL of both backends reads. Without `due`: null.
 */
function normalizeDue(value: unknown): { dueJson: string | null; parkBefore: number | null } {
	if (value === undefined || value === null) return { dueJson: null, parkBefore: null };
	const due = assertObject(value, 'Lease due') as { rules?: unknown; parkBefore?: unknown };
	const rules = assertArray<unknown>(due.rules, 'Lease due.rules');
	if (rules.length > MAX_DUE_RULES)
		throw new TypeError(
			`Lease due.rules may hold at most ${MAX_DUE_RULES} rules, got ${rules.length}`,
		);
	const compact = rules.map((raw, index) => {
		const what = `Lease due.rules[${index}]`;
		const rule = assertObject(raw, what) as Partial<LeaseDueRule>;
		const whole = (field: keyof LeaseDueRule, max: number) => {
			const number = assertSafeInteger(rule[field], `${what}.${field}`);
			if (number < 0 || number > max)
				throw new TypeError(`${what}.${field} must be between 0 and ${max}, got ${number}`);
			return number;
		};
		const factor = rule.retryAfterFactor;
		if (
			factor !== null &&
			(typeof factor !== 'number' || !Number.isFinite(factor) || factor < 0 || factor > 1)
		)
			throw new TypeError(`${what}.retryAfterFactor must be null or from 0 to 1`);
		return {
			c: assertText(rule.category, `${what}.category`),
			a0: whole('minAttempts', 2_147_483_647),
			a1: whole('maxAttempts', 2_147_483_647),
			w: whole('waitMs', MAX_DURATION_MS),
			j: whole('jitterMs', MAX_DURATION_MS),
			ra: factor,
			rm: whole('maxRetryAfterMs', MAX_DURATION_MS),
			rb:
				rule.releasedAt === null || rule.releasedAt === undefined
					? null
					: assertTimestamp(rule.releasedAt, `${what}.releasedAt`),
		};
	});
	return {
		dueJson: JSON.stringify(compact),
		parkBefore:
			due.parkBefore === undefined || due.parkBefore === null
				? null
				: assertTimestamp(due.parkBefore, 'Lease due.parkBefore'),
	};
}

/** The statuses and bound of a purge; without options: both settled statuses, no bound. */
export function normalizePurge(options: unknown): { statuses: string[]; limit: number | null } {
	if (options === undefined || options === null)
		return { statuses: ['done', 'discarded'], limit: null };
	const purge = assertObject(options, 'Purge options') as PurgeOptions;
	const statuses =
		purge.statuses === undefined
			? ['done', 'discarded']
			: assertArray<unknown>(purge.statuses, 'Purge statuses').map((status, index) => {
					if (status !== 'done' && status !== 'discarded')
						throw new TypeError(
							`Purge statuses[${index}] must be done or discarded, got ${describe(status)}`,
						);
					return status;
				});
	const limit =
		purge.limit === undefined ? null : assertCount(purge.limit, 'Purge limit', MAX_QUEUE_LIMIT);
	return { statuses, limit };
}

export function normalizeSettlements(settlements: unknown): NormalizedSettlement[] {
	return assertArray<unknown>(settlements, 'Settlements').map((raw, index) => {
		const what = `settlements[${index}]`;
		const settlement = assertObject(raw, what) as Partial<QueueSettlement>;
		if (!SETTLE_STATUSES.includes(settlement.status as (typeof SETTLE_STATUSES)[number])) {
			throw new TypeError(
				`${what}.status must be one of ${SETTLE_STATUSES.join(', ')}, got ${describe(settlement.status)}`,
			);
		}
		const normalized: NormalizedSettlement = {
			id: assertText(settlement.id, `${what}.id`),
			owner: optionalText(settlement.owner, `${what}.owner`),
			status: settlement.status as NormalizedSettlement['status'],
			patchJson:
				settlement.dataPatch === undefined || settlement.dataPatch === null
					? null
					: assertJsonObject(settlement.dataPatch, `${what}.dataPatch`),
			category: optionalText(settlement.category, `${what}.category`),
			uncount: settlement.countLease === false,
		};
		if (normalized.uncount && normalized.owner === null)
			throw new TypeError(`${what}.countLease false needs the owner of the lease it takes back`);
		if (settlement.countLease !== undefined && typeof settlement.countLease !== 'boolean')
			throw new TypeError(
				`${what}.countLease must be a boolean, got ${describe(settlement.countLease)}`,
			);
		return normalized;
	});
}

export function normalizeList(options: unknown): NormalizedList {
	const list = assertObject(options, 'List options') as Partial<QueueListOptions>;
	let statuses: QueueEntryStatus[] | null = null;
	if (list.statuses !== undefined && list.statuses !== null) {
		statuses = assertArray<unknown>(list.statuses, 'List statuses').map((status, index) => {
			if (!QUEUE_STATUSES.includes(status as QueueEntryStatus)) {
				throw new TypeError(
					`List statuses[${index}] must be one of ${QUEUE_STATUSES.join(', ')}, got ${describe(status)}`,
				);
			}
			return status as QueueEntryStatus;
		});
	}
	return {
		statuses,
		ids: optionalTexts(list.ids, 'List ids'),
		categories: optionalTexts(list.categories, 'List categories'),
		limit: assertCount(list.limit, 'List limit', MAX_QUEUE_LIMIT),
	};
}

/** A host name for a config: non-empty, no spaces or URL syntax. */
export function assertHost(value: unknown, what: string): string {
	if (typeof value !== 'string' || !/^[A-Za-z0-9._:%[\]-]+$/.test(value)) {
		throw new TypeError(
			`${what} must be a host name or IP address, got ${typeof value === 'string' ? JSON.stringify(value) : describe(value)}`,
		);
	}
	return value;
}

export function assertPort(value: unknown, what: string): number {
	const port = assertSafeInteger(value, what);
	if (port < 1 || port > 65535)
		throw new TypeError(`${what} must be between 1 and 65535, got ${port}`);
	return port;
}

export function optionalTimeout(value: unknown, what: string, fallback: number): number {
	if (value === undefined || value === null) return fallback;
	return assertCount(value, what, 10 * MINUTE_MS);
}
