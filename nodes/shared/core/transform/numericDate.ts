/** A wall-clock time as written, before any zone places it. */
export interface WallTime {
	year: number;
	month: number;
	day: number;
	hour: number;
	minute: number;
	second: number;
	millisecond: number;
}

const NUMERIC_DATE =
	/^(\d{1,4})([/.-])(\d{1,2})\2(\d{1,4})(?:(?:[ T]|,\s*)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?\s*([AaPp][Mm])?)?$/;

export type NumericOrder = 'dmy' | 'mdy' | 'ymd';

/**
 * dd/MM/yyyy, MM/dd/yyyy, yyyy/MM/dd with "/", "-" or "." and an optional time (24 h or
 * am/pm): the wall time written, why it cannot be one, or null (not this shape). Shared
 * by the Luxon path (date.ts) and the fast path (fastDate.ts).
 */
export function parseNumericDate(
	text: string,
	order: NumericOrder,
): { wall: WallTime; dateOnly: boolean } | { failure: string } | null {
	const match = NUMERIC_DATE.exec(text);
	if (!match) return null;
	const [, first, , second, third, hour, minute, secondText, fraction, meridiem] = match;
	const yearFirst = first.length === 4;
	if (
		yearFirst !== (order === 'ymd') ||
		(!yearFirst && third.length !== 4) ||
		(yearFirst && third.length > 2)
	)
		return null;
	const [day, month, year] =
		order === 'dmy'
			? [first, second, third]
			: order === 'mdy'
				? [second, first, third]
				: [third, second, first];
	let hourValue = hour === undefined ? 0 : Number(hour);
	if (meridiem !== undefined) {
		if (hourValue < 1 || hourValue > 12)
			return { failure: `hour ${hourValue} does not go with ${meridiem.toUpperCase()}` };
		hourValue = (hourValue % 12) + (meridiem.toLowerCase() === 'pm' ? 12 : 0);
	}
	return {
		wall: {
			year: Number(year),
			month: Number(month),
			day: Number(day),
			hour: hourValue,
			minute: minute === undefined ? 0 : Number(minute),
			second: secondText === undefined ? 0 : Number(secondText),
			millisecond: fraction === undefined ? 0 : Number(fraction.padEnd(3, '0')),
		},
		dateOnly: hour === undefined,
	};
}
