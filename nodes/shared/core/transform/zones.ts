import { Zone, type ZoneOffsetFormat, type ZoneOffsetOptions } from 'luxon';

/** Offsets are cached per hour of UTC time; an hour with a clock change inside is never cached. */
const BUCKET_MS = 3_600_000;
/** About 11 years of hours per zone, a few MB at most; past that the table starts again. */
const MAX_BUCKETS = 100_000;

/**
 * An IANA zone whose offsets are remembered. Luxon asks Intl for every offset (about
 * 14 µs each), and reading one wall-clock time costs several: for 10,000 items that
 * was most of a date field's time. A bucket is cached only when its first and last
 * millisecond have the same offset, so no clock change is inside it (zones do not
 * change twice within an hour); a bucket with a change is answered exactly, uncached.
 */
export class CachedIanaZone extends Zone<true> {
	private readonly buckets = new Map<number, number>();

	constructor(private readonly inner: Zone<true>) {
		super();
	}

	override get type(): string {
		// Luxon formats "iana" zones through Intl by name, which is what this is.
		return 'iana';
	}

	override get name(): string {
		return this.inner.name;
	}

	override get isUniversal(): boolean {
		return false;
	}

	override get isValid(): true {
		return true;
	}

	override offsetName(ts: number, options: ZoneOffsetOptions): string {
		return this.inner.offsetName(ts, options);
	}

	override formatOffset(ts: number, format: ZoneOffsetFormat): string {
		return this.inner.formatOffset(ts, format);
	}

	override equals(other: Zone): boolean {
		return other.type === 'iana' && other.name === this.name;
	}

	override offset(ts: number): number {
		if (!Number.isFinite(ts)) return this.inner.offset(ts);
		const bucket = Math.floor(ts / BUCKET_MS);
		const cached = this.buckets.get(bucket);
		if (cached !== undefined) return cached;
		const start = this.inner.offset(bucket * BUCKET_MS);
		if (start !== this.inner.offset(bucket * BUCKET_MS + BUCKET_MS - 1))
			return this.inner.offset(ts);
		if (this.buckets.size >= MAX_BUCKETS) this.buckets.clear();
		this.buckets.set(bucket, start);
		return start;
	}
}

const zones = new Map<string, CachedIanaZone>();

/** One cached zone per IANA name, shared by every converter in the process. */
export function cachedIanaZone(zone: Zone<true>): CachedIanaZone {
	let cached = zones.get(zone.name);
	if (cached === undefined) {
		cached = new CachedIanaZone(zone);
		zones.set(zone.name, cached);
	}
	return cached;
}
