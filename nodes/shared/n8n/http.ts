/**
 * Reading an HTTP answer within limits: every network call of the package has a hard
 * deadline and a cap on what it reads (DESIGN.md), whichever n8n helper made the request.
 */
import { raceAbort } from '../stores/common';

/** The body read whole, or how many bytes had arrived when it went over the cap. */
export type CappedBody = { body: Buffer } | { tooLarge: number };

/**
 * The body of a response asked for with `encoding: 'stream'`, read up to `cap` bytes. The
 * stream is destroyed past the cap or when `signal` aborts (the try's deadline), so a
 * server that trickles or never ends cannot hold the read; an abort rejects the read.
 */
export async function readBodyCapped(
	stream: unknown,
	cap: number,
	signal: AbortSignal,
): Promise<CappedBody> {
	if (Buffer.isBuffer(stream))
		return stream.length > cap ? { tooLarge: stream.length } : { body: stream };
	if (stream === null || stream === undefined) return { body: Buffer.alloc(0) };
	if (typeof stream === 'string') return readBodyCapped(Buffer.from(stream), cap, signal);
	const readable = stream as AsyncIterable<unknown> & { destroy?: (error?: Error) => void };
	if (typeof readable[Symbol.asyncIterator] !== 'function')
		return readBodyCapped(Buffer.from(JSON.stringify(stream)), cap, signal);
	const onAbort = () => readable.destroy?.(new Error('aborted'));
	if (signal.aborted) onAbort();
	signal.addEventListener('abort', onAbort, { once: true });
	const chunks: Buffer[] = [];
	let total = 0;
	try {
		for await (const chunk of readable) {
			const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
			total += bytes.length;
			if (total > cap) {
				readable.destroy?.();
				return { tooLarge: total };
			}
			chunks.push(bytes);
		}
	} finally {
		signal.removeEventListener('abort', onAbort);
	}
	if (signal.aborted) throw signal.reason;
	return { body: Buffer.concat(chunks) };
}

/**
 * `request` unless `signal` aborts first (then its reason). For helpers that take no
 * abort signal of ours: a late answer's body stream is destroyed, not left open.
 */
export async function beforeAbort<T>(request: Promise<T>, signal: AbortSignal): Promise<T> {
	try {
		return await raceAbort(request, signal);
	} finally {
		if (signal.aborted) {
			request.then(
				(late) => (late as { body?: { destroy?: () => void } } | null)?.body?.destroy?.(),
				() => undefined,
			);
		}
	}
}
