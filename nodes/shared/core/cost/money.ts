/**
 * Money as integers: every amount is a whole number of **nanos**, billionths of the
 * currency unit (1 USD = 1,000,000,000 nanos). A token priced at $0.005 per million
 * tokens costs exactly 5 nanos, so every published price per million tokens with up
 * to three decimals prices a token exactly, and a million small costs add up without
 * float drift. The store's counters are safe integers: up to 9,007,199 currency units
 * per counter.
 */
export const NANOS_PER_UNIT = 1_000_000_000;
const NANO_DIGITS = 9;

/** Thrown for an amount that is not a plain decimal number of the currency. */
export class MoneyError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'MoneyError';
	}
}

const DECIMAL = /^(\d+)(?:\.(\d*))?$|^\.(\d+)$/;

/**
 * "12.50" → 12_500_000_000n nanos, exactly. Accepts digits with an optional decimal
 * point (no sign, exponent, separators or more than nine decimals); surrounding spaces
 * and a leading "$" are tolerated. A number is rounded to whole nanos through its decimal
 * form (0.1 → "0.1", 0.1 * 3 → "0.3"), never through float multiplication.
 */
export function parseMoneyNanos(input: unknown): bigint {
	let text: string;
	if (typeof input === 'number') {
		if (!Number.isFinite(input) || input < 0)
			throw new MoneyError(`${String(input)} is not an amount of money`);
		text = decimalOf(input);
	} else if (typeof input === 'string') {
		text = input.trim().replace(/^\$\s*/, '');
	} else {
		throw new MoneyError(`Expected an amount such as "2.50", got ${describe(input)}`);
	}
	const match = DECIMAL.exec(text);
	if (!match)
		throw new MoneyError(
			`"${truncate(text)}" is not an amount of money (write it like 2.50, without sign or exponent)`,
		);
	const whole = match[1] ?? '0';
	const fraction = match[2] ?? match[3] ?? '';
	if (fraction.length > NANO_DIGITS)
		throw new MoneyError(`"${truncate(text)}" has more than ${NANO_DIGITS} decimals`);
	return BigInt(whole) * BigInt(NANOS_PER_UNIT) + BigInt(fraction.padEnd(NANO_DIGITS, '0') || '0');
}

/** As parseMoneyNanos, as a safe integer; a larger amount is a MoneyError. */
export function parseMoney(input: unknown): number {
	return toSafeNanos(parseMoneyNanos(input));
}

export function toSafeNanos(nanos: bigint): number {
	if (nanos > BigInt(Number.MAX_SAFE_INTEGER) || nanos < -BigInt(Number.MAX_SAFE_INTEGER)) {
		throw new MoneyError(
			`${formatNanos(nanos)} is more than a counter can hold (${formatNanos(BigInt(Number.MAX_SAFE_INTEGER))})`,
		);
	}
	return Number(nanos);
}

/** 1_234_500_000 → "1.2345" (trailing zeros trimmed, at least two decimals). */
export function formatNanos(nanos: bigint | number, minimumDecimals = 2): string {
	const value = typeof nanos === 'bigint' ? nanos : BigInt(Math.trunc(nanos));
	const negative = value < 0n;
	const absolute = negative ? -value : value;
	const whole = absolute / BigInt(NANOS_PER_UNIT);
	let fraction = (absolute % BigInt(NANOS_PER_UNIT))
		.toString()
		.padStart(NANO_DIGITS, '0')
		.replace(/0+$/, '');
	if (fraction.length < minimumDecimals) fraction = fraction.padEnd(minimumDecimals, '0');
	return `${negative ? '-' : ''}${whole.toString()}${fraction === '' ? '' : `.${fraction}`}`;
}

/** Nanos as a JSON number of currency units, for display and expressions (the exact figure is the string). */
export function nanosToNumber(nanos: number): number {
	return Number(formatNanos(nanos, 0));
}

/** numerator / denominator rounded half up, for non-negative bigints. */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
	if (denominator <= 0n) throw new RangeError('Division by a non-positive number');
	return (numerator * 2n + denominator) / (denominator * 2n);
}

/**
 * A number's decimal form rounded to whole nanos: an expression's 0.1 * 3 is
 * 0.30000000000000004, and means 0.3. Rounded once by toFixed (decimal rounding), never
 * by multiplying floats; large numbers are left whole for the range check to refuse.
 */
function decimalOf(value: number): string {
	if (value >= 1e21) return String(value);
	return value.toFixed(NANO_DIGITS).replace(/0+$/, '').replace(/\.$/, '');
}

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'a list';
	return typeof value === 'object' ? 'an object' : `${typeof value} ${truncate(String(value))}`;
}

function truncate(text: string): string {
	return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
