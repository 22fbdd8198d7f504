/** The Redis connection bottleneck's limiters share, one per Redis config. */
import Bottleneck from 'bottleneck';
import Redis from 'ioredis';
import { isIP } from 'node:net';

import { SECOND_MS } from '../core/time';
import type { Pooled } from './connections';
import type { RedisStoreConfig } from './types';

export const REDIS_TIMEOUT_MS = 5 * SECOND_MS;

/**
 * A Redis connection for limiters, as bottleneck wants it (a client and a subscriber),
 * shared by every limiter of one Redis config. Unlike a store's connection it reconnects
 * in the background: bottleneck keeps its subscriber open.
 */
export class LimiterConnection implements Pooled {
	readonly client: Redis;
	readonly connection: Bottleneck.IORedisConnection;
	/** The limiters on it, told of its errors and of it closing. */
	readonly listeners = new Set<{
		onError: (error: unknown) => void;
		onClose: () => void;
	}>();

	constructor(redis: RedisStoreConfig) {
		this.client = new Redis({
			host: redis.host,
			port: redis.port,
			db: redis.db ?? 0,
			username: redis.username || undefined,
			password: redis.password || undefined,
			keyPrefix: redis.keyPrefix ?? 'n8n-guards:',
			tls: redis.tls
				? {
						servername: isIP(redis.host) ? undefined : redis.host,
						rejectUnauthorized: redis.tlsRejectUnauthorized ?? true,
						ca: redis.tlsCa || undefined,
					}
				: undefined,
			connectTimeout: redis.timeoutMs ?? REDIS_TIMEOUT_MS,
			maxRetriesPerRequest: 1,
			// Bottleneck keeps a subscriber open: reconnect in the background, but never
			// queue commands while Redis is away (a node must fail, not hang).
			enableOfflineQueue: false,
			retryStrategy: (times: number) => Math.min(200 * times, 5 * SECOND_MS),
		});
		const onError = (error: unknown) => {
			for (const listener of this.listeners) listener.onError(error);
		};
		this.client.on('error', onError);
		this.client.on('close', () => {
			for (const listener of this.listeners) listener.onClose();
		});
		this.connection = new Bottleneck.IORedisConnection({
			client: this.client,
			Redis,
		} as unknown as Bottleneck.IORedisConnectionOptions);
		this.connection.on('error', onError);
	}

	async close(): Promise<void> {
		this.listeners.clear();
		await this.connection.disconnect(false).catch(() => undefined);
	}
}
