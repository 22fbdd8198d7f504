/** Key helpers of the Redis store's scan (redis.ts): a glob-safe MATCH and the keys taken apart. */

/** Escapes Redis glob characters, so a key prefix or namespace matches only itself. */
export function globEscape(text: string): string {
	return text.replace(/[*?[\]\\^-]/g, (character) => `\\${character}`);
}

/**
 * `<prefix><kind>:{<URI-encoded namespace>}:<key>` → namespace and key, given where the
 * `{` is. The encoded namespace holds no `}`, so the first one closes it. Null for a key
 * of another layout.
 */
export function parseScannedKey(
	fullKey: string,
	braceAt: number,
): { namespace: string; key: string } | null {
	if (fullKey[braceAt] !== '{') return null;
	const close = fullKey.indexOf('}:', braceAt);
	if (close < 0) return null;
	try {
		return {
			namespace: decodeURIComponent(fullKey.slice(braceAt + 1, close)),
			key: fullKey.slice(close + 2),
		};
	} catch {
		return null;
	}
}

/**
 * A key of Rate Limiter's shared bucket (stores/limiterBucket.ts, bottleneck's layout under
 * the key prefix): `b_ratelimit:<id>_settings` (the bucket) or `ratelimit:<id>:hold` (a
 * hold a vendor asked for), `<id>` being `<URI-encoded limiter key>:<settings hash>`.
 * Null for bottleneck's other keys (jobs, clients) and anything else.
 */
export function parseLimiterKey(
	fullKey: string,
	keyPrefix: string,
): { id: string; kind: 'settings' | 'hold' } | null {
	if (!fullKey.startsWith(keyPrefix)) return null;
	const rest = fullKey.slice(keyPrefix.length);
	const settings = /^b_ratelimit:([^:]+:[0-9a-f]+)_settings$/.exec(rest);
	if (settings) return { id: settings[1], kind: 'settings' };
	const hold = /^ratelimit:([^:]+:[0-9a-f]+):hold$/.exec(rest);
	return hold ? { id: hold[1], kind: 'hold' } : null;
}
