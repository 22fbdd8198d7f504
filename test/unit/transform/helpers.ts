import assert from 'node:assert/strict';

import { ConversionError, OptionError } from '../../../nodes/shared/core/transform/errors';
import { resolveProfile, type SourceProfile } from '../../../nodes/shared/core/transform/profile';

export function profile(partial: Partial<SourceProfile> = {}): SourceProfile {
	return resolveProfile(partial);
}

/** Asserts that `run` throws a ConversionError whose reason matches `reason`; returns it. */
export function assertConversionError(run: () => unknown, reason: RegExp): ConversionError {
	let caught: unknown;
	try {
		run();
	} catch (error) {
		caught = error;
	}
	assert.ok(
		caught instanceof ConversionError,
		`expected a ConversionError, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`,
	);
	assert.match(caught.reason, reason);
	assert.ok(caught.fix.length > 0, 'every conversion error says how to fix it');
	return caught;
}

export function assertOptionError(run: () => unknown, message: RegExp): void {
	assert.throws(
		run,
		(error: unknown) =>
			error instanceof OptionError && message.test(error.message) && error.fix.length > 0,
	);
}

/** Freezes a value and everything in it, so any write to it throws (strict mode). */
export function deepFreeze<T>(value: T): T {
	if (value !== null && typeof value === 'object') {
		for (const entry of Object.values(value)) deepFreeze(entry);
		Object.freeze(value);
	}
	return value;
}

/** Values no converter should accept as data. */
export const HOSTILE_VALUES: Array<[string, unknown]> = [
	['an object', { a: 1 }],
	['a list', [1, 2]],
	['NaN', Number.NaN],
	['Infinity', Number.POSITIVE_INFINITY],
	['a 1 MB string', 'x'.repeat(1_000_000)],
	['"__proto__"', '__proto__'],
	['"constructor"', 'constructor'],
];
