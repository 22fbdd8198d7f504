/**
 * One of several processes racing on one SQLite file (spawned by the conformance
 * suite). It opens its connections, prints "ready", waits for "go" on stdin so all
 * processes start together, runs its part of the race and prints one JSON line.
 *
 * Usage: node sqlite-race-child.js <file> claim|count <connections> <incrementsPerConnection>
 *
 * Or, to play another process holding the file's write lock (a long transaction of
 * another n8n on the same user folder): node sqlite-race-child.js <file> hold <ms>
 * prints "locked <epoch ms>", holds the lock for <ms>, then prints "released <epoch ms>" (the moment just before its COMMIT).
 */
import { DatabaseSync } from 'node:sqlite';
import { SqliteStore } from '../../nodes/shared/stores/sqlite';

async function holdLock(file: string, ms: number): Promise<void> {
	const db = new DatabaseSync(file);
	db.exec('BEGIN IMMEDIATE');
	db.exec(
		`INSERT INTO guards_counters (ns, key, value) VALUES ('lock-holder', 'k', 1) ON CONFLICT (ns, key) DO UPDATE SET value = value + 1`,
	);
	process.stdout.write(`locked ${Date.now()}\n`);
	await new Promise((resolve) => setTimeout(resolve, ms));
	// Taken before COMMIT: nobody else can have written before this moment.
	const releasing = Date.now();
	db.exec('COMMIT');
	process.stdout.write(`released ${releasing}\n`);
	db.close();
}

async function main(): Promise<void> {
	const [file, mode, connectionsArg, incrementsArg] = process.argv.slice(2);
	if (mode === 'hold') return await holdLock(file, Number(connectionsArg));
	const connections = Number(connectionsArg);
	const increments = Number(incrementsArg ?? 0);
	const stores = Array.from(
		{ length: connections },
		() => new SqliteStore({ backend: 'sqlite', file, busyTimeoutMs: 30_000 }),
	);
	await Promise.all(stores.map((store) => store.ping()));
	process.stdout.write('ready\n');
	await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
	let result: unknown;
	if (mode === 'claim') {
		const writes = await Promise.all(
			stores.map((store, index) =>
				store.write('race', [{ key: 'claim', value: `${process.pid}/${index}`, ifVersion: 0 }]),
			),
		);
		result = {
			applied: writes.filter(([write]) => write.applied).length,
			lost: writes.filter(([write]) => !write.applied).length,
		};
	} else {
		const seen: number[] = [];
		await Promise.all(
			stores.map(async (store) => {
				for (let step = 0; step < increments; step++) {
					const [value] = await store.increment('race', [{ key: 'counter', by: 1 }]);
					seen.push(value);
					// Yield so the connections of this process interleave, as concurrent clients would.
					await new Promise((resolve) => setImmediate(resolve));
				}
			}),
		);
		result = { seen };
	}
	await Promise.all(stores.map((store) => store.close()));
	process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
