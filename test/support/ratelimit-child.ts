/**
 * One "worker" taking tokens from a Redis-shared limiter (spawned by
 * test/stores/ratelimit.test.ts). It opens its limiter, prints "ready", waits for "go"
 * on stdin so all workers start together, takes `jobs` tokens one at a time as fast as
 * the limiter grants them, and prints one JSON line with the grant times (epoch ms).
 *
 * Usage: node ratelimit-child.js <host> <port> <keyPrefix> <limiterName> <limit> <per> <utilization> <jobs>
 */
import { planLimiter, type RatePer } from '../../nodes/shared/core/ratelimit';
import { closeAllLimiters, limiterFor } from '../../nodes/shared/stores/limiter';

async function main(): Promise<void> {
	const [host, port, keyPrefix, name, limit, per, utilization, jobs] = process.argv.slice(2);
	const plan = planLimiter({
		limit: Number(limit),
		per: per as RatePer,
		targetUtilization: Number(utilization),
		burst: 1,
	});
	const limiter = limiterFor(name, plan, {
		backend: 'redis',
		host,
		port: Number(port),
		db: 0,
		tls: false,
		keyPrefix,
	});
	await limiter.ready();
	process.stdout.write('ready\n');
	await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
	const granted: number[] = [];
	await Promise.all(
		Array.from({ length: Number(jobs) }, async () => {
			await limiter.acquire(1);
			granted.push(Date.now());
		}),
	);
	await closeAllLimiters();
	process.stdout.write(`${JSON.stringify({ granted })}\n`);
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
