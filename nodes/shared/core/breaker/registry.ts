import type { JsonValue } from '../json';
import { isPlainObject } from '../json';

/**
 * Breakers live in a scope's namespace as one record each, plus a registry record that
 * lists their names: the store reads keys, it does not list them, and Stats must find
 * every breaker of a scope.
 */
export const BREAKER_REGISTRY_KEY = 'registry';
/** Names beyond this are still breakers, but Stats only finds them when asked by name. */
export const BREAKER_REGISTRY_LIMIT = 500;
export const MAX_BREAKER_NAME_LENGTH = 200;

// A type, not an interface, so that it is assignable to JsonValue when stored.
export type BreakerRegistry = { names: string[] };

/** The record key of a breaker; prefixed so no name can be the registry's key. */
export function breakerKey(name: string): string {
	return `breaker:${name}`;
}

/** What is wrong with a breaker name, or null when it is usable. */
export function breakerNameProblem(name: string): string | null {
	if (name.trim() === '') return 'is empty';
	if (name.length > MAX_BREAKER_NAME_LENGTH)
		return `is longer than ${MAX_BREAKER_NAME_LENGTH} characters`;
	if (name.includes('\u0000')) return 'contains a NUL character';
	return null;
}

export function asBreakerRegistry(value: JsonValue | undefined): BreakerRegistry {
	if (value === undefined) return { names: [] };
	if (!isPlainObject(value) || !Array.isArray(value.names)) {
		throw new Error(
			'The stored circuit breaker registry is not in the expected format (was the scope used by something else?)',
		);
	}
	return { names: value.names.filter((name): name is string => typeof name === 'string') };
}

/** The registry with `name` added, or null when there is nothing to write. */
export function registerBreaker(registry: BreakerRegistry, name: string): BreakerRegistry | null {
	if (registry.names.includes(name) || registry.names.length >= BREAKER_REGISTRY_LIMIT) return null;
	return { names: [...registry.names, name].sort() };
}
