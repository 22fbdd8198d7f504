import Redis from 'ioredis';
import { isIP } from 'node:net';
import type { JsonValue } from '../core/json';
import { describeCause, hostPort, isCallerError, isNetworkError, withDeadline } from './common';
import { connectionTarget, withConnectionHint, type ConnectionTarget } from './connectionErrors';
import {
	assertArray,
	assertCounterInRange,
	assertHost,
	assertNamespace,
	assertPort,
	assertSafeInteger,
	normalizeDeletes,
	normalizeIncrements,
	normalizeKeys,
	normalizeWrites,
	optionalTimeout,
} from './validate';
import { keyOrder, normalizeInserts } from './insert';
import {
	StoreError,
	type CounterIncrement,
	type InsertBatchResult,
	type InsertResult,
	type ReadResult,
	type RecordInsert,
	type RecordStamps,
	type RecordDelete,
	type RecordWrite,
	type ScanOptions,
	type ScanPage,
	type ScannedEntry,
	type RedisStoreConfig,
	type Store,
	type StoreRecord,
	type WriteResult,
} from './types';
import { DAY_MS, SECOND_MS } from '../core/time';
import { normalizeScan } from './scan';
import { globEscape, parseLimiterKey, parseScannedKey } from './scanRedis';
import type { StackRequest } from '../core/ratelimit/stack';
import { normalizeStack, parseStackReply, STACK_LUA, type StackResult } from './limiterStack';

/**
 * Each batch is one Lua script, so it is one round trip and atomic: no other client's
 * command runs between its steps. A record is one string `<version>:<json>`, so SET
 * with or without PX replaces value, version and expiry in one command.
 */
const SCRIPTS = {
	guardsRead: `
		local time = redis.call('TIME')
		local out = { time[1], time[2] }
		for i = 1, #KEYS do
			local stored = redis.call('GET', KEYS[i])
			if stored then
				out[#out + 1] = stored
				out[#out + 1] = redis.call('PTTL', KEYS[i])
			else
				out[#out + 1] = false
				out[#out + 1] = -2
			end
		end
		return out
	`,
	// The last key is the namespace's version sequence (same hash tag, same slot). Each
	// applied write takes a version above the record's, the sequence's and the clock's
	// (microseconds): a key never gets an old version back after it expired or was
	// deleted, even if the sequence key was lost, so it may expire when idle.
	guardsWrite: `
		if redis.replicate_commands then redis.replicate_commands() end
		local n = #KEYS - 1
		local sequence = KEYS[#KEYS]
		local time = redis.call('TIME')
		local clock = tonumber(time[1]) * 1000000 + tonumber(time[2])
		local last = math.max(tonumber(redis.call('GET', sequence) or '0') or 0, clock - 1)
		local advanced = false
		local out = {}
		for i = 1, n do
			local value, condition, ttl = ARGV[3 * i - 2], ARGV[3 * i - 1], ARGV[3 * i]
			local stored = redis.call('GET', KEYS[i])
			local version = 0
			if stored then
				version = tonumber(string.match(stored, '^(%d+):'))
				if not version then return redis.error_reply('GUARDS_FOREIGN_KEY ' .. KEYS[i]) end
			end
			if condition ~= '' and tonumber(condition) ~= version then
				out[#out + 1] = 0
			else
				version = math.max(last, version) + 1
				last = version
				advanced = true
				local record = string.format('%d', version) .. ':' .. value
				if ttl ~= '' then
					redis.call('SET', KEYS[i], record, 'PX', ttl)
				else
					redis.call('SET', KEYS[i], record)
				end
				out[#out + 1] = 1
			end
			out[#out + 1] = version
		end
		if advanced then redis.call('SET', sequence, string.format('%d', last), 'PX', ARGV[#ARGV]) end
		return out
	`,
	// Creates each record whose key is absent (expired keys are gone in Redis), with the
	// stamp members first in its JSON; returns the others as guardsRead does. Versions as in
	// guardsWrite. ARGV: per key the value's JSON without its "{" and the TTL; then the
	// stamp count, each stamp's JSON-encoded name and offset; last the sequence's TTL.
	guardsInsert: `
		if redis.replicate_commands then redis.replicate_commands() end
		local n = #KEYS - 1
		local sequence = KEYS[#KEYS]
		local time = redis.call('TIME')
		local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
		local clock = tonumber(time[1]) * 1000000 + tonumber(time[2])
		local last = math.max(tonumber(redis.call('GET', sequence) or '0') or 0, clock - 1)
		local base = 2 * n + 1
		local members = {}
		for j = 1, tonumber(ARGV[base]) do
			members[j] = ARGV[base + 2 * j - 1] .. ':' .. string.format('%d', now + tonumber(ARGV[base + 2 * j]))
		end
		local stamp = table.concat(members, ',')
		local advanced = false
		local out = { time[1], time[2] }
		for i = 1, n do
			local stored = redis.call('GET', KEYS[i])
			if stored then
				if not string.match(stored, '^%d+:') then return redis.error_reply('GUARDS_FOREIGN_KEY ' .. KEYS[i]) end
				out[#out + 1] = stored
				out[#out + 1] = redis.call('PTTL', KEYS[i])
			else
				local tail, ttl = ARGV[2 * i - 1], ARGV[2 * i]
				local value
				if stamp == '' then value = '{' .. tail
				elseif tail == '}' then value = '{' .. stamp .. '}'
				else value = '{' .. stamp .. ',' .. tail end
				last = last + 1
				advanced = true
				local record = string.format('%d', last) .. ':' .. value
				if ttl ~= '' then
					redis.call('SET', KEYS[i], record, 'PX', ttl)
				else
					redis.call('SET', KEYS[i], record)
				end
				out[#out + 1] = last
				out[#out + 1] = -3
			end
		end
		if advanced then redis.call('SET', sequence, string.format('%d', last), 'PX', ARGV[#ARGV]) end
		return out
	`,
	guardsDelete: `
		local out = {}
		for i = 1, #KEYS do
			local removed = 0
			local stored = redis.call('GET', KEYS[i])
			if stored then
				local version = tonumber(string.match(stored, '^(%d+):'))
				if ARGV[i] == '' or tonumber(ARGV[i]) == version then
					redis.call('DEL', KEYS[i])
					removed = 1
				end
			end
			out[i] = removed
		end
		return out
	`,
	// Two passes: the first checks every result stays a safe integer, so an overflow
	// leaves the whole batch unapplied (Redis does not roll a script back).
	guardsIncrement: `
		local limit = 9007199254740991
		local running = {}
		for i = 1, #KEYS do
			local current = running[KEYS[i]]
			if current == nil then
				local stored = redis.call('GET', KEYS[i])
				current = stored and tonumber(stored) or 0
			end
			current = current + tonumber(ARGV[2 * i - 1])
			if current > limit or current < -limit then return { 0, i, tostring(current) } end
			running[KEYS[i]] = current
		end
		local out = { 1 }
		for i = 1, #KEYS do
			local created = redis.call('EXISTS', KEYS[i]) == 0
			out[#out + 1] = redis.call('INCRBY', KEYS[i], ARGV[2 * i - 1])
			if created and ARGV[2 * i] ~= '' then redis.call('PEXPIRE', KEYS[i], ARGV[2 * i]) end
		end
		return out
	`,
	guardsStack: STACK_LUA,
} as const;

type ScriptName = keyof typeof SCRIPTS;

/**
 * Lifetime of a namespace's version sequence after its last write. Only a guard against
 * the clock stepping back or a burst of writes outrunning it: the clock takes over after.
 */
const SEQUENCE_TTL_MS = DAY_MS;
/** Keys per insert script: a script blocks the whole server while it runs. */
const INSERT_CHUNK = 5000;
type ScriptRunner = (numberOfKeys: number, keysAndArgs: string[]) => Promise<unknown>;

const CLOSED_MESSAGES = ['Connection is closed', "Stream isn't writeable", 'enableOfflineQueue'];

/**
 * Redis: shared records and counters for queue mode. No queue: Redis may lose recent
 * writes on failover or restart, which dead letters must not.
 */
export class RedisStore implements Store {
	readonly backend = 'redis' as const;
	readonly location: string;
	readonly queue = undefined;

	private readonly client: Redis;
	private readonly keyPrefix: string;
	private readonly username: string | undefined;
	private readonly password: string | undefined;
	private readonly timeoutMs: number;
	private readonly target: ConnectionTarget;
	private connecting: Promise<void> | undefined;
	private lastError: unknown;
	private closed = false;

	constructor(config: RedisStoreConfig) {
		const host = assertHost(config.host, 'Redis host');
		const port = assertPort(config.port, 'Redis port');
		const db = assertSafeInteger(config.db ?? 0, 'Redis db');
		if (db < 0) throw new TypeError(`Redis db must be 0 or more, got ${db}`);
		const keyPrefix = config.keyPrefix ?? 'n8n-guards:';
		if (typeof keyPrefix !== 'string' || keyPrefix.length > 200)
			throw new TypeError('Redis keyPrefix must be a string of at most 200 characters');
		this.keyPrefix = keyPrefix;
		this.username = config.username || undefined;
		this.password = config.password || undefined;
		this.timeoutMs = optionalTimeout(config.timeoutMs, 'Redis timeoutMs', 5 * SECOND_MS);
		this.location = `Redis at ${hostPort(host, port)} (db ${db}${config.tls ? ', TLS' : ''})`;
		this.target = connectionTarget({ ...config, host, port }) as ConnectionTarget;
		this.client = new Redis({
			host,
			port,
			db,
			username: this.username,
			password: this.password,
			tls: config.tls
				? {
						// SNI needs a name, not an IP address.
						servername: isIP(host) ? undefined : host,
						rejectUnauthorized: config.tlsRejectUnauthorized ?? true,
						ca: config.tlsCa || undefined,
					}
				: undefined,
			// Fail fast instead of queueing: a node must fail closed within the timeout.
			lazyConnect: true,
			enableOfflineQueue: false,
			connectTimeout: this.timeoutMs,
			commandTimeout: this.timeoutMs,
			maxRetriesPerRequest: 1,
			// No background reconnect loop; the next call reconnects on demand.
			retryStrategy: () => null,
			autoResendUnfulfilledCommands: false,
		});
		// Without a listener ioredis prints every connection error to the console.
		this.client.on('error', (error: unknown) => {
			this.lastError = error;
		});
		for (const [name, lua] of Object.entries(SCRIPTS)) this.client.defineCommand(name, { lua });
	}

	async read(namespace: string, keys: string[]): Promise<ReadResult> {
		const ns = assertNamespace(namespace);
		const wanted = normalizeKeys(keys);
		const reply = (await this.script(
			'read',
			'guardsRead',
			wanted.map((key) => this.recordKey(ns, key)),
			[],
		)) as Array<string | number | null>;
		const now = Number(reply[0]) * 1000 + Math.floor(Number(reply[1]) / 1000);
		const records = new Map<string, StoreRecord>();
		wanted.forEach((key, index) => {
			const stored = reply[2 + index * 2] as string | null;
			if (stored === null) return;
			const ttl = Number(reply[3 + index * 2]);
			const { version, json } = this.parseRecord(stored);
			records.set(key, {
				key,
				value: JSON.parse(json) as JsonValue,
				version,
				expiresAt: ttl >= 0 ? now + ttl : null,
			});
		});
		return { now, records };
	}

	async write(namespace: string, writes: RecordWrite[]): Promise<WriteResult[]> {
		const ns = assertNamespace(namespace);
		const batch = normalizeWrites(writes);
		if (batch.length === 0) return [];
		const args = [
			...batch.flatMap((write) => [
				write.json,
				optionalNumber(write.ifVersion),
				optionalNumber(write.ttlMs),
			]),
			String(SEQUENCE_TTL_MS),
		];
		const keys = [...batch.map((write) => this.recordKey(ns, write.key)), this.sequenceKey(ns)];
		const reply = (await this.script('write', 'guardsWrite', keys, args)) as number[];
		return batch.map((write, index) => ({
			key: write.key,
			applied: reply[index * 2] === 1,
			version: Number(reply[index * 2 + 1]),
		}));
	}

	async insert(
		namespace: string,
		inserts: RecordInsert[],
		stamps: RecordStamps,
	): Promise<InsertBatchResult> {
		const ns = assertNamespace(namespace);
		const { batch, stamps: stampList } = normalizeInserts(inserts, stamps);
		if (batch.length === 0) return { now: Date.now(), results: [] };
		const order = keyOrder(batch.map((entry) => entry.key));
		const stampArgs = [String(stampList.length)];
		for (const [name, offset] of stampList) stampArgs.push(JSON.stringify(name), String(offset));
		// A script blocks the whole server while it runs: one of 100,000 keys would hold up
		// every worker's commands for seconds, and outlive the command timeout. So one round
		// trip per 5,000 keys, each against its own timeout.
		const chunks: number[][] = [];
		for (let start = 0; start < order.length; start += INSERT_CHUNK)
			chunks.push(order.slice(start, start + INSERT_CHUNK));
		const replies: Array<Array<string | number>> = [];
		for (const chunk of chunks) {
			const args: string[] = [];
			for (const index of chunk)
				args.push(batch[index].json.slice(1), optionalNumber(batch[index].ttlMs));
			args.push(...stampArgs, String(SEQUENCE_TTL_MS));
			const keys = [
				...chunk.map((index) => this.recordKey(ns, batch[index].key)),
				this.sequenceKey(ns),
			];
			replies.push(
				(await this.script('insert', 'guardsInsert', keys, args)) as Array<string | number>,
			);
		}
		// The stamps of a chunk are its own clock; the batch reports the last chunk's, the
		// latest: no record is stamped after it.
		const last = replies[replies.length - 1];
		const now = Number(last[0]) * 1000 + Math.floor(Number(last[1]) / 1000);
		const results = new Array<InsertResult>(batch.length);
		chunks.forEach((chunk, c) => {
			const reply = replies[c];
			chunk.forEach((index, position) => {
				const key = batch[index].key;
				const first = reply[2 + position * 2];
				const chunkNow = Number(reply[0]) * 1000 + Math.floor(Number(reply[1]) / 1000);
				if (typeof first === 'number') {
					results[index] = {
						key,
						applied: true,
						version: first,
						...(chunkNow !== now ? { stampedAt: chunkNow } : {}),
					};
					return;
				}
				const ttl = Number(reply[3 + position * 2]);
				const { version, json } = this.parseRecord(first);
				results[index] = {
					key,
					applied: false,
					version,
					record: {
						key,
						value: JSON.parse(json) as JsonValue,
						version,
						expiresAt: ttl >= 0 ? chunkNow + ttl : null,
					},
				};
			});
		});
		return { now, results };
	}

	async delete(namespace: string, deletes: RecordDelete[]): Promise<boolean[]> {
		const ns = assertNamespace(namespace);
		const batch = normalizeDeletes(deletes);
		if (batch.length === 0) return [];
		const reply = (await this.script(
			'delete',
			'guardsDelete',
			batch.map((entry) => this.recordKey(ns, entry.key)),
			batch.map((entry) => optionalNumber(entry.ifVersion)),
		)) as number[];
		return reply.map((removed) => removed === 1);
	}

	async increment(namespace: string, increments: CounterIncrement[]): Promise<number[]> {
		const ns = assertNamespace(namespace);
		const batch = normalizeIncrements(increments);
		if (batch.length === 0) return [];
		const args = batch.flatMap((increment) => [
			String(increment.by),
			optionalNumber(increment.ttlMs),
		]);
		const reply = assertArray<number | string>(
			await this.script(
				'increment',
				'guardsIncrement',
				batch.map((increment) => this.counterKey(ns, increment.key)),
				args,
			),
			'Redis reply',
		);
		if (reply[0] === 0) {
			const index = Number(reply[1]) - 1;
			assertCounterInRange(Number(reply[2]), batch[index].key);
		}
		return reply.slice(1).map(Number);
	}

	/**
	 * Read-only: one SCAN step over the records' or counters' keys of the namespaces with
	 * the prefix (MATCH on the key prefix, COUNT = limit), then their values in one script.
	 * No queues on Redis: an empty, complete page.
	 */
	async scan(namespacePrefix: string, options: ScanOptions): Promise<ScanPage> {
		const scan = normalizeScan(namespacePrefix, options);
		if (scan.cursor !== null && !/^\d{1,20}$/.test(scan.cursor))
			throw new TypeError('Scan cursor is not one this store returned');
		if (scan.kind === 'queues') return { now: Date.now(), entries: [], cursor: null };
		if (scan.kind === 'limiters')
			return await this.scanLimiters(scan.prefix, scan.cursor, scan.limit);
		const kind = scan.kind === 'records' ? 'kv' : 'ct';
		let encoded: string;
		try {
			encoded = encodeURIComponent(scan.prefix);
		} catch {
			throw new TypeError('Scan prefix contains a lone UTF-16 surrogate and is not valid Unicode');
		}
		const client = await this.connection();
		let reply: [string, string[]];
		try {
			reply = await client.scan(
				scan.cursor ?? '0',
				'MATCH',
				`${globEscape(this.keyPrefix)}${kind}:{${globEscape(encoded)}*`,
				'COUNT',
				scan.limit,
			);
		} catch (error) {
			throw this.toStoreError('scan', error);
		}
		const [next, keys] = reply;
		const values = (await this.script('scan', 'guardsRead', keys, [])) as Array<
			string | number | null
		>;
		const now = Number(values[0]) * 1000 + Math.floor(Number(values[1]) / 1000);
		const entries: ScannedEntry[] = [];
		keys.forEach((fullKey, index) => {
			const stored = values[2 + index * 2] as string | null;
			const place = parseScannedKey(fullKey, this.keyPrefix.length + kind.length + 1);
			// Gone since SCAN saw it, or not a key of this layout.
			if (stored === null || place === null) return;
			const ttl = Number(values[3 + index * 2]);
			const expiresAt = ttl >= 0 ? now + ttl : null;
			if (kind === 'ct') {
				entries.push({ ...place, value: Number(stored), version: null, expiresAt });
				return;
			}
			const { version, json } = this.parseRecord(stored);
			entries.push({ ...place, value: JSON.parse(json) as JsonValue, version, expiresAt });
		});
		return { now, entries, cursor: next === '0' ? null : next };
	}

	/**
	 * Rate Limiter's shared buckets and holds (bottleneck's keys under the same key prefix):
	 * one SCAN step, then each bucket's settings and each hold in one pipeline. Their
	 * namespace is `ratelimit`; a prefix that does not start it finds nothing.
	 */
	private async scanLimiters(
		prefix: string,
		cursor: string | null,
		limit: number,
	): Promise<ScanPage> {
		const client = await this.connection();
		try {
			const [next, keys] = await client.scan(
				cursor ?? '0',
				'MATCH',
				`${globEscape(this.keyPrefix)}*ratelimit:*`,
				'COUNT',
				limit,
			);
			const found = keys.flatMap((key) => {
				const place = parseLimiterKey(key, this.keyPrefix);
				return place && 'ratelimit'.startsWith(prefix) ? [{ key, ...place }] : [];
			});
			const pipeline = client.pipeline();
			pipeline.time();
			for (const { key, kind } of found) {
				if (kind === 'settings')
					pipeline.hmget(
						key,
						'reservoirIncreaseMaximum',
						'reservoirIncreaseAmount',
						'reservoirIncreaseInterval',
						'reservoir',
					);
				else pipeline.get(key);
				pipeline.pttl(key);
			}
			const replies = ((await pipeline.exec()) ?? []).map(([error, value]) => {
				if (error) throw error;
				return value;
			});
			const [seconds, micros] = replies[0] as [string, string];
			const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
			const entries: ScannedEntry[] = [];
			found.forEach(({ id, kind }, index) => {
				const value = replies[1 + index * 2];
				const ttl = Number(replies[2 + index * 2]);
				if (value === null || ttl === -2) return;
				const number = (text: unknown) => (text === null || text === '' ? null : Number(text));
				const fields = value as Array<string | null>;
				entries.push({
					namespace: 'ratelimit',
					key: id,
					value:
						kind === 'settings'
							? {
									settings: {
										capacity: number(fields[0]),
										increaseAmount: number(fields[1]),
										increaseIntervalMs: number(fields[2]),
										tokens: number(fields[3]),
									},
								}
							: { holdUntil: number(value) },
					version: null,
					expiresAt: ttl >= 0 ? now + ttl : null,
				});
			});
			return { now, entries, cursor: next === '0' ? null : next };
		} catch (error) {
			throw this.toStoreError('scan', error);
		}
	}

	/** Stacked limits: one Lua script (STACK_LUA) on the record and the namespace's sequence. */
	async stack(namespace: string, key: string, request: StackRequest): Promise<StackResult> {
		const checked = normalizeStack(namespace, key, request);
		const reply = await this.script(
			'stack',
			'guardsStack',
			[this.recordKey(checked.ns, checked.key), this.sequenceKey(checked.ns)],
			[JSON.stringify(checked.request), String(SEQUENCE_TTL_MS)],
		);
		return parseStackReply(reply);
	}

	async ping(): Promise<void> {
		const client = await this.connection();
		try {
			await client.ping();
		} catch (error) {
			throw this.toStoreError('ping', error);
		}
	}

	/**
	 * For a credential's Test button. A server without a password answers the AUTH that
	 * ioredis sends with an error that ioredis only prints, and the connection works: so
	 * authenticate again here and report that the password is never checked.
	 */
	async checkSettings(): Promise<string[]> {
		if (!this.password) return [];
		const client = await this.connection();
		try {
			await client.call('AUTH', ...(this.username ? [this.username] : []), this.password);
			return [];
		} catch (error) {
			const cause = describeCause(error);
			if (/without any password configured|no password is set/i.test(cause)) {
				return [
					`the server does not ask for a password, so the Password of this credential is never checked and anyone who can reach the server can use it. Set a password on the server (requirepass, or an ACL user), or clear Password here.`,
				];
			}
			if (/wrong number of arguments for 'auth'/i.test(cause)) {
				return [`the server (Redis before 6) has no users: clear User and keep only Password.`];
			}
			throw this.toStoreError('authenticate', error);
		}
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		if (this.client.status === 'ready') {
			// QUIT lets the server finish; a server that does not answer is simply dropped.
			await withDeadline(this.client.quit(), SECOND_MS, () => new Error('no answer to QUIT')).catch(
				() => undefined,
			);
		}
		this.client.disconnect();
	}

	/** Keys: the namespace is URI-encoded inside a hash tag, so it cannot run into the key and one namespace lives in one cluster slot. */
	private recordKey(namespace: string, key: string): string {
		return `${this.keyPrefix}kv:{${encodeURIComponent(namespace)}}:${key}`;
	}

	/** The namespace's version sequence: one key per namespace, gone after a day without writes. */
	private sequenceKey(namespace: string): string {
		return `${this.keyPrefix}sq:{${encodeURIComponent(namespace)}}`;
	}

	private counterKey(namespace: string, key: string): string {
		return `${this.keyPrefix}ct:{${encodeURIComponent(namespace)}}:${key}`;
	}

	private parseRecord(stored: string): { version: number; json: string } {
		const match = /^(\d+):/.exec(stored);
		if (!match)
			throw new StoreError(
				'redis',
				this.location,
				"read failed: a key in this store's key space holds data this package did not write; use another key prefix",
			);
		return { version: Number(match[1]), json: stored.slice(match[0].length) };
	}

	private async script(
		operation: string,
		name: ScriptName,
		keys: string[],
		args: string[],
	): Promise<unknown> {
		const client = await this.connection();
		const run = (client as unknown as Record<ScriptName, ScriptRunner>)[name].bind(client);
		try {
			// One array argument: ioredis flattens it, and a big batch never hits the spread-argument limit.
			return await run(keys.length, [...keys, ...args]);
		} catch (error) {
			throw this.toStoreError(operation, error);
		}
	}

	private async connection(): Promise<Redis> {
		if (this.closed) throw new StoreError('redis', this.location, 'store is closed');
		if (this.client.status !== 'ready') {
			this.connecting ??= this.connect().finally(() => {
				this.connecting = undefined;
			});
			await this.connecting;
		}
		return this.client;
	}

	private async connect(): Promise<void> {
		this.lastError = undefined;
		const attempt = this.client.connect();
		try {
			// connectTimeout covers TCP; this also bounds a server that accepts but never answers.
			await withDeadline(
				attempt,
				this.timeoutMs + 500,
				() =>
					new Error(
						'Command timed out: the server accepted the connection but never completed the handshake',
					),
			);
		} catch (error) {
			attempt.catch(() => undefined);
			this.client.disconnect();
			// connect() itself only says "Connection is closed"; the 'error' event has the reason.
			throw this.toStoreError('connect', this.lastError ?? error);
		}
	}

	private toStoreError(operation: string, error: unknown): unknown {
		if (error instanceof StoreError || isCallerError(error)) return error;
		const cause = describeCause(error);
		let message: string;
		if (/^(NOAUTH|WRONGPASS)/.test(cause) || /invalid password|invalid username/i.test(cause)) {
			message = `credentials rejected: ${cause}`;
		} else if (cause.startsWith('LOADING')) {
			// A restarted Redis answers LOADING until its data set is back in memory.
			message = `not ready (${operation}): it is still loading its data after a restart; run again in a moment (${cause})`;
		} else if (cause.startsWith('NOPERM')) {
			message = `permission denied for ${operation}: ${cause}`;
		} else if (cause.includes('Command timed out')) {
			message = `no answer within ${this.timeoutMs} ms (${operation}): ${cause}`;
		} else if (
			isNetworkError(error) ||
			CLOSED_MESSAGES.some((text) => cause.includes(text)) ||
			operation === 'connect'
		) {
			message = `unreachable: ${cause}`;
		} else if (cause.startsWith('GUARDS_FOREIGN_KEY')) {
			message = `${operation} failed: a key in this store's key space holds data this package did not write (${cause.slice(19)}); use another key prefix`;
		} else {
			message = `${operation} failed: ${cause}`;
		}
		// Integration guards issue 22: the cause and the credential field to fix (connectionErrors.ts).
		return new StoreError(
			'redis',
			this.location,
			withConnectionHint(message, error, this.target),
			error,
		);
	}
}

function optionalNumber(value: number | null): string {
	return value === null ? '' : String(value);
}
