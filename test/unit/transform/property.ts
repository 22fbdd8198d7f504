// Shared by the fast converters' property tests: the zones they cover, their clock
// changes found through Intl, and how a converter's answer (value or error) is compared.
import { IANAZone } from 'luxon';

import { ConversionError } from '../../../nodes/shared/core/transform/errors';

/** Runs per property: the issue asks for at least 100,000 generated inputs per converter. */
export const RUNS = Number(process.env.PROPERTY_RUNS ?? 100_000);

/** DST in both hemispheres, half-hour and 45-minute offsets, negative DST, historic changes, none. */
export const ZONES = [
	'Europe/London',
	'America/New_York',
	'Australia/Sydney',
	'Pacific/Auckland',
	'Asia/Kolkata',
	'Australia/Lord_Howe',
	'America/Sao_Paulo',
	'Africa/Casablanca',
	'Asia/Tehran',
	'America/St_Johns',
	'Pacific/Chatham',
	'Europe/Dublin',
	'America/Santiago',
	'Asia/Gaza',
	'Pacific/Apia',
	'America/Havana',
	'Europe/Moscow',
	'Asia/Kathmandu',
	'America/Phoenix',
	'UTC',
];

export interface Transition {
	zone: string;
	/** The first instant of the new offset. */
	at: number;
	before: number;
	after: number;
}

const DAY_MS = 86_400_000;

/** Every offset change of `zone` between the years, found day by day and bisected to the millisecond. */
function transitionsOf(zone: string, fromYear: number, toYear: number): Transition[] {
	const intl = IANAZone.create(zone);
	const found: Transition[] = [];
	const end = Date.UTC(toYear, 0, 1);
	let previousAt = Date.UTC(fromYear, 0, 1);
	let previous = intl.offset(previousAt);
	for (let at = previousAt + DAY_MS; at <= end; at += DAY_MS) {
		const offset = intl.offset(at);
		if (offset !== previous) {
			let low = previousAt;
			let high = at;
			while (high - low > 1) {
				const middle = Math.floor((low + high) / 2);
				if (intl.offset(middle) === previous) low = middle;
				else high = middle;
			}
			found.push({ zone, at: high, before: previous, after: offset });
		}
		previousAt = at;
		previous = offset;
	}
	return found;
}

let cached: Transition[] | undefined;

/** The clock changes of ZONES in 1890–1925 (historic and LMT offsets) and 1965–2045. */
export function transitions(): Transition[] {
	cached ??= ZONES.flatMap((zone) => [
		...transitionsOf(zone, 1890, 1925),
		...transitionsOf(zone, 1965, 2045),
	]);
	return cached;
}

export type Outcome = { value: unknown } | { reason: string; fix: string } | { thrown: string };

/** What a converter does with a value: its result, or its ConversionError (reason and fix). */
export function outcome(convert: (value: unknown) => unknown, value: unknown): Outcome {
	try {
		return { value: convert(value) };
	} catch (error) {
		if (error instanceof ConversionError) return { reason: error.reason, fix: error.fix };
		return { thrown: String(error) };
	}
}
