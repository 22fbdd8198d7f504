import { createHash } from 'node:crypto';

/**
 * Serialises a value so that equal logical values give equal strings: object keys are
 * sorted, so `{a,b}` and `{b,a}` agree. Used for idempotency keys, fingerprints and
 * connection-cache keys alike, so there is one notion of "the same" in the package.
 */
export function stableStringify(value: unknown): string {
	return JSON.stringify(normalise(value, new Set()));
}

function normalise(value: unknown, ancestors: Set<object>): unknown {
	if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return null;
	if (typeof value === 'bigint') return value.toString();
	if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
	if (value === null || typeof value !== 'object') return value;
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
	if (ancestors.has(value))
		throw new TypeError('Cannot hash a value that contains itself (a cycle)');
	ancestors.add(value);
	try {
		if (Array.isArray(value)) return value.map((entry) => normalise(entry, ancestors));
		const sorted: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
		for (const key of Object.keys(value).sort()) {
			const entry = (value as Record<string, unknown>)[key];
			if (entry !== undefined) sorted[key] = normalise(entry, ancestors);
		}
		return sorted;
	} finally {
		ancestors.delete(value);
	}
}

/** SHA-256 hex of the stable serialisation of `value`. */
export function stableHash(value: unknown): string {
	return createHash('sha256').update(stableStringify(value)).digest('hex');
}
