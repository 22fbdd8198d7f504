/**
 * One of several processes racing on one stacked limiter (spawned by
 * test/stores/ratelimit-stack.test.ts): it opens `clients` stores of its own on the
 * config given, prints "ready", waits for "go" on stdin, then each client asks for one
 * unit at a time until `attempts` grants were asked for or the deadline passed, holds each
 * granted slot for `holdMs` and releases it. Prints one JSON line: every grant and
 * release with the store's clock.
 *
 * Usage: node stack-race-child.js <config JSON> <namespace> <key> <limits JSON> <clients> <grantsEach> <holdMs> <deadlineMs>
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

import type { StackLimit } from '../../nodes/shared/core/ratelimit/stack';
import { PostgresStore } from '../../nodes/shared/stores/postgres';
import { RedisStore } from '../../nodes/shared/stores/redis';
import { SqliteStore } from '../../nodes/shared/stores/sqlite';
import type { Store, StoreConfig } from '../../nodes/shared/stores/types';

function storeFor(config: StoreConfig): Store {
	if (config.backend === 'sqlite') return new SqliteStore(config);
	if (config.backend === 'redis') return new RedisStore(config);
	return new PostgresStore(config);
}

async function main(): Promise<void> {
	const [configJson, ns, key, limitsJson, clientsText, grantsText, holdText, deadlineText] =
		process.argv.slice(2);
	const config = JSON.parse(configJson) as StoreConfig;
	const limits = JSON.parse(limitsJson) as StackLimit[];
	const stores = Array.from({ length: Number(clientsText) }, () => storeFor(config));
	await Promise.all(stores.map((store) => store.ping()));
	process.stdout.write('ready\n');
	await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
	const deadline = Date.now() + Number(deadlineText);
	const grants: Array<{ lease: string; at: number; inFlight: number | null }> = [];
	const releases: Array<{ lease: string; at: number; released: number }> = [];
	let refusals = 0;
	await Promise.all(
		stores.map(async (store) => {
			for (let granted = 0; granted < Number(grantsText) && Date.now() < deadline; ) {
				const lease = randomUUID();
				const result = await store.stack!(ns, key, {
					limits,
					units: [{ tokens: 1, leaseId: lease }],
				});
				if (result.granted === 0) {
					refusals++;
					// A window that is full for the rest of the test: stop asking.
					if (result.blockedBy.includes('window')) return;
					await delay(Math.min(result.retryAfterMs ?? 10, 25));
					continue;
				}
				granted++;
				grants.push({ lease, at: result.now, inFlight: result.usage.inFlight });
				await delay(Number(holdText));
				const done = await store.stack!(ns, key, { limits: [], units: [], release: [lease] });
				releases.push({ lease, at: done.now, released: done.released });
			}
		}),
	);
	await Promise.all(stores.map((store) => store.close()));
	process.stdout.write(`${JSON.stringify({ grants, releases, refusals })}\n`);
}

main().catch((error: unknown) => {
	process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
	process.exit(1);
});
