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
