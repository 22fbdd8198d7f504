import { randomBytes } from 'node:crypto';

/**
 * Random bytes are drawn 4 KiB at a time: `randomBytes(10)` per id cost about 4 µs, most
 * of it the call itself, which was a large share of a guard's time per item.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = POOL_BYTES;

function pooledRandom(): Buffer {
	if (poolOffset + 10 > pool.length) {
		pool = randomBytes(POOL_BYTES);
		poolOffset = 0;
	}
	const bytes = pool.subarray(poolOffset, poolOffset + 10);
	poolOffset += 10;
	return bytes;
}

/** The last id's time and 12-bit counter (rand_a), for ids made in the same millisecond. */
let lastMs = -1;
let lastCounter = 0;

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then randomness. Sorts by time,
 * which keeps stored records in arrival order and makes ids readable in logs.
 *
 * Without `random`, ids of this process are strictly increasing (RFC 9562 6.2, method 1):
 * within one millisecond the 12 bits after the version count up from a random start
 * below 2048, and past 4095 the time moves on by a millisecond, so a burst never repeats
 * or reorders ids. The 62 bits after the variant stay random, so ids are unique across
 * processes too. With `random` (tests), the id is exactly that time and those bytes.
 */
export function uuidv7(nowMs: number = Date.now(), random?: Buffer): string {
	const bytes = Buffer.allocUnsafe(16);
	let ms = Math.floor(nowMs);
	if (random === undefined) {
		random = pooledRandom();
		if (ms <= lastMs) {
			ms = lastMs;
			lastCounter++;
			if (lastCounter > 0xfff) {
				ms = lastMs + 1;
				lastCounter = ((random[0] << 8) | random[1]) & 0x7ff;
			}
		} else {
			lastCounter = ((random[0] << 8) | random[1]) & 0x7ff;
		}
		lastMs = ms;
		bytes.writeUIntBE(ms, 0, 6);
		bytes[6] = 0x70 | (lastCounter >> 8);
		bytes[7] = lastCounter & 0xff;
		random.copy(bytes, 8, 2, 10);
	} else {
		bytes.writeUIntBE(ms, 0, 6);
		random.copy(bytes, 6, 0, 10);
		bytes[6] = 0x70 | (bytes[6] & 0x0f);
	}
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
