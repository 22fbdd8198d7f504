import type { StatusInput } from './types';
import { SECOND_MS } from '../time';

/** What the snapshot's sections share: the guards' namespaces, scopes, counts and order. */

/**
 * The store namespaces of each guard, as the nodes name them (`<kind>:<scope>`, see
 * resolveScope): Guards Status scans these prefixes. Rate Limiter's version 1 quotas
 * live in the bare `quota` namespace.
 */
export const GUARD_KINDS = {
	breaker: 'breaker',
	cost: 'cost',
	quota: 'quota',
	drift: 'schema-drift',
	expiry: 'expiry',
	deadLetter: 'deadletter',
	limiter: 'ratelimit',
} as const;

/** What the limiters part of a snapshot covers, per backend of the store read. */
export const LIMITER_NOTE = {
	sqlite:
		'Embedded limiters keep a bucket in each n8n process; every process sharing this file records their configured and learned limits here. Tokens and holds are shown for the limiters this n8n process (the one running Guards Status) holds.',
	redis:
		"Limiters on Redis share their bucket and holds through Redis, and record their configured limits and what the vendor's headers said (the latest any worker learned) in the Redis store.",
	other:
		'Rate Limiter keeps its limiters on Embedded or Redis, not in this store: only its Quotas are listed.',
} as const;

export function limiterNote(backend: string): string {
	return backend === 'sqlite' || backend === 'redis' ? LIMITER_NOTE[backend] : LIMITER_NOTE.other;
}

/** A counter's value as a count: anything but a safe integer (not written by a guard) counts 0. */
export const count = (value: unknown) =>
	typeof value === 'number' && Number.isSafeInteger(value) ? value : 0;
export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
export const seconds = (ms: number) => Math.max(0, Math.round(ms / SECOND_MS));

/** The scope part of a namespace `<kind>:<scope>`; the bare kind (version 1 quotas) is instance-wide. */
export function scopeOfNamespace(namespace: string, kind: string): string | null {
	if (namespace === kind) return '(instance-wide)';
	return namespace.startsWith(`${kind}:`) ? namespace.slice(kind.length + 1) : null;
}

/** The scopes a Scope filter selects: exactly that scope (a prefix scan also finds longer names). */
export function inScope(input: StatusInput, scope: string | null): scope is string {
	return scope !== null && (input.scope === null || scope === input.scope);
}

export function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
	const groups = new Map<string, T[]>();
	for (const row of rows) {
		const id = key(row);
		const group = groups.get(id);
		if (group) group.push(row);
		else groups.set(id, [row]);
	}
	return groups;
}

/** Code-unit order: stable across machines, and far cheaper than localeCompare on 10,000 rows. */
export const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export const byName = <T extends { scope: string; name: string }>(a: T, b: T) =>
	compare(a.scope, b.scope) || compare(a.name, b.name);
