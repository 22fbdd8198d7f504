import { randomBytes } from 'node:crypto';

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then randomness. Sorts by time,
 * which keeps stored records in arrival order and makes ids readable in logs.
 */
export function uuidv7(nowMs: number = Date.now(), random: Buffer = randomBytes(10)): string {
	const bytes = Buffer.alloc(16);
	bytes.writeUIntBE(Math.floor(nowMs), 0, 6);
	random.copy(bytes, 6, 0, 10);
	bytes[6] = 0x70 | (bytes[6] & 0x0f);
	bytes[8] = 0x80 | (bytes[8] & 0x3f);
	const hex = bytes.toString('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The item's correlation ID if it carries a usable one (a non-empty string or a number). */
export function readCorrelationId(
	json: Record<string, unknown>,
	field: string,
): string | undefined {
	if (!Object.prototype.hasOwnProperty.call(json, field)) return undefined;
	const value = json[field];
	if (typeof value === 'string' && value.trim() !== '') return value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return undefined;
}
