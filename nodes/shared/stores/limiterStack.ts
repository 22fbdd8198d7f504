/**
 * Stacked limits in a store (core/ratelimit/stack.ts): the state of one limiter's rate,
 * window cap and leases is one record of the key-value table, read, decided on and
 * rewritten in one atomic step. SQLite and Postgres run `decideStack` itself inside a
 * transaction that holds the row; Redis runs STACK_LUA, the same rules in Lua, as one
 * script. No table of its own: no migration.
 */
import {
	assertStackRequest,
	decideStack,
	type StackDecision,
	type StackLimitKind,
	type StackRequest,
	type StackState,
} from '../core/ratelimit/stack';
import type { JsonValue } from '../core/json';
import { assertNamespace, normalizeKeys } from './validate';

/** What `Store.stack` answers: the decision, on the store's clock. */
export interface StackResult {
	/** The store's clock at the decision, epoch ms. */
	now: number;
	granted: number;
	released: number;
	/** The ids of `release` that were held (and are now free). */
	releasedIds: string[];
	blockedBy: StackLimitKind[];
	retryAfterMs: number | null;
	usage: StackDecision['usage'];
}

/** The checked namespace, key and request, as every backend takes them. */
export function normalizeStack(
	namespace: string,
	key: string,
	request: StackRequest,
): { ns: string; key: string; request: StackRequest } {
	const ns = assertNamespace(namespace);
	const [checked] = normalizeKeys([key]);
	assertStackRequest(request);
	return { ns, key: checked, request };
}

/** A stored value as the stack's state: anything else (a foreign value) starts afresh. */
export function stackState(value: JsonValue | undefined): StackState | null {
	return value !== null && typeof value === 'object' && !Array.isArray(value)
		? (value as StackState)
		: null;
}

/** Decides on the stored value at `now`: the result to answer and the record to write. */
export function decideStored(
	value: JsonValue | undefined,
	request: StackRequest,
	now: number,
): { result: StackResult; json: string; ttlMs: number } {
	const decision = decideStack(stackState(value), request, now);
	return {
		result: resultOf(decision, now),
		json: JSON.stringify(decision.state),
		ttlMs: decision.ttlMs,
	};
}

function resultOf(decision: Omit<StackDecision, 'state' | 'ttlMs'>, now: number): StackResult {
	return {
		now,
		granted: decision.granted,
		released: decision.released,
		releasedIds: Array.isArray(decision.releasedIds) ? decision.releasedIds : [],
		// cjson writes an empty Lua table as {}.
		blockedBy: Array.isArray(decision.blockedBy) ? decision.blockedBy : [],
		retryAfterMs:
			decision.retryAfterMs === null || decision.retryAfterMs < 0 ? null : decision.retryAfterMs,
		usage: {
			tokens: decision.usage?.tokens ?? null,
			windowUsed: decision.usage?.windowUsed ?? null,
			inFlight: decision.usage?.inFlight ?? null,
		},
	};
}

/** STACK_LUA's answer: the store's clock and the decision as JSON. */
export function parseStackReply(reply: unknown): StackResult {
	const [now, json] = reply as [string | number, string];
	const decision = JSON.parse(json) as Omit<StackDecision, 'state' | 'ttlMs'>;
	return resultOf(decision, Number(now));
}

/**
 * decideStack in Lua, for Redis: KEYS[1] the record (`<version>:<json>`, as guardsWrite
 * writes records), KEYS[2] the namespace's version sequence; ARGV[1] the request as JSON,
 * ARGV[2] the sequence's TTL. Keep it in step with core/ratelimit/stack.ts (the stores
 * suite runs the same cases on both).
 */
export const STACK_LUA = `
	if redis.replicate_commands then redis.replicate_commands() end
	local time = redis.call('TIME')
	local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
	local clock = tonumber(time[1]) * 1000000 + tonumber(time[2])
	local req = cjson.decode(ARGV[1])
	local stored = redis.call('GET', KEYS[1])
	local state = {}
	local version = 0
	if stored then
		local v, json = string.match(stored, '^(%d+):(.*)$')
		if not v then return redis.error_reply('GUARDS_FOREIGN_KEY ' .. KEYS[1]) end
		version = tonumber(v)
		local ok, decoded = pcall(cjson.decode, json)
		if ok and type(decoded) == 'table' then state = decoded end
	end
	local rate, win, inflight
	for _, limit in ipairs(req.limits) do
		if limit.kind == 'rate' then rate = limit
		elseif limit.kind == 'window' then win = limit
		elseif limit.kind == 'inFlight' then inflight = limit end
	end
	local leases, held, released, releasedIds = {}, 0, 0, {}
	if type(state.l) == 'table' then
		for id, expires in pairs(state.l) do
			if type(expires) == 'number' and expires > now then leases[id] = expires; held = held + 1 end
		end
	end
	if type(req.release) == 'table' then
		for _, id in ipairs(req.release) do
			if leases[id] then
				leases[id] = nil; held = held - 1; released = released + 1
				releasedIds[#releasedIds + 1] = id
			end
		end
	end
	local tokens, nextAt = 0, 0
	if rate then
		local r = state.r
		if type(r) == 'table' and type(r.t) == 'number' and type(r.n) == 'number' then
			tokens = math.min(rate.capacity, r.t)
			nextAt = r.n
			if nextAt > now + rate.increaseIntervalMs then nextAt = now + rate.increaseIntervalMs end
			if now >= nextAt then
				local intervals = math.floor((now - nextAt) / rate.increaseIntervalMs) + 1
				nextAt = nextAt + intervals * rate.increaseIntervalMs
				tokens = math.min(rate.capacity, tokens + intervals * rate.increaseAmount)
			end
		else
			tokens = rate.capacity
			nextAt = now + rate.increaseIntervalMs
		end
	end
	local windowId, windowEnd, used = '', 0, 0
	if win then windowId = win.id; windowEnd = win.endsAt end
	local w = state.w
	if type(w) == 'table' and type(w.id) == 'string' and type(w.e) == 'number' and w.e > now then
		if (not win) or w.id >= win.id then windowId = w.id; windowEnd = w.e; used = w.u end
	end
	local granted, blocked, retry = 0, {}, -1
	for _, unit in ipairs(req.units) do
		if win and used + unit.tokens > win.limit then
			blocked[#blocked + 1] = 'window'
			retry = math.max(retry, math.max(1, windowEnd - now))
		end
		if rate and tokens < unit.tokens then
			blocked[#blocked + 1] = 'rate'
			local refills = math.ceil((unit.tokens - tokens) / rate.increaseAmount)
			retry = math.max(retry, math.max(1, nextAt + (refills - 1) * rate.increaseIntervalMs - now))
		end
		if inflight and held >= inflight.max then
			blocked[#blocked + 1] = 'inFlight'
			local first
			for _, expires in pairs(leases) do
				if not first or expires < first then first = expires end
			end
			retry = math.max(retry, math.max(1, (first or now) - now))
		end
		if #blocked > 0 then break end
		if win then used = used + unit.tokens end
		if rate then tokens = tokens - unit.tokens end
		if inflight then leases[unit.leaseId] = now + inflight.leaseMs; held = held + 1 end
		granted = granted + 1
	end
	local nextState = {}
	local ttl = 60000
	if type(state.k) == 'number' then ttl = math.max(ttl, state.k - now) end
	if rate then
		nextState.r = { t = tokens, n = nextAt }
		local refills = math.ceil((rate.capacity - tokens) / rate.increaseAmount)
		ttl = math.max(ttl, nextAt - now + refills * rate.increaseIntervalMs)
	elseif type(state.r) == 'table' then
		nextState.r = state.r
	end
	if windowId ~= '' then
		nextState.w = { id = windowId, u = used, e = windowEnd }
		ttl = math.max(ttl, windowEnd - now)
	end
	if held > 0 then
		nextState.l = leases
		for _, expires in pairs(leases) do ttl = math.max(ttl, expires - now) end
	end
	ttl = math.ceil(ttl)
	nextState.k = now + ttl
	local last = math.max(tonumber(redis.call('GET', KEYS[2]) or '0') or 0, clock - 1)
	local nextVersion = math.max(last, version) + 1
	redis.call('SET', KEYS[1], string.format('%d', nextVersion) .. ':' .. cjson.encode(nextState), 'PX', ttl)
	redis.call('SET', KEYS[2], string.format('%d', nextVersion), 'PX', ARGV[2])
	local inFlightUsage = cjson.null
	if inflight or held > 0 then inFlightUsage = held end
	local out = {
		granted = granted, released = released, releasedIds = releasedIds, blockedBy = blocked, retryAfterMs = retry,
		usage = {
			tokens = rate and tokens or cjson.null,
			windowUsed = win and used or cjson.null,
			inFlight = inFlightUsage,
		},
	}
	return { tostring(now), cjson.encode(out) }
`;
