// The package in n8n's queue mode (issue 10), faults injected mid-run: a main process and
// two workers on a private Redis and Postgres (queue-harness.ts), driven by concurrent
// webhook calls; a local HTTP receiver stands in for the vendor (queue-receiver.ts).
// Faults: kill -9 of a worker, Redis restarted, Postgres restarted. After recovery and a
// replay, nothing is lost and nothing is written twice, and each node's error while its
// store was down names the store and the cause.
//
// What n8n 2.40.7 really does, measured here (and asserted as it is):
// - kill -9 of a worker: its jobs stall and fail once their lock runs out (15 s here),
//   and their callers get "500 Error in workflow"; claims they held run out with their
//   lease, so re-sending is safe.
// - Redis restarted (4 s down, under n8n's 10 s exit threshold): every process
//   reconnects; a Claim that ran meanwhile fails with "Redis at host:port (db 1):
//   unreachable: ..."; most callers whose execution overlapped the outage are never
//   answered (the main process misses the workers' "job finished" messages).
// - Postgres restarted (n8n's database too): every caller in flight is left without an
//   answer; a node needing its credential meanwhile fails with n8n's own database
//   error (n8n reads credentials from its database on each execution), before the
//   store is reached. Callers re-send: a record already delivered is delivered again,
//   with the same Idempotency-Key, so the vendor applies it once.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { queueSuite, RUN, type Credentials, type QueueCluster } from './queue-harness';
import {
	definitive,
	deliverAll,
	deliverAnswered,
	FAULT_CALL_TIMEOUT_MS,
	orders,
	outcome,
	sleep,
	tally,
	type Delivery,
	type Receiver,
	type RouteHandler,
} from './queue-receiver';
import { SCENARIOS } from './queue-workflows';

describe('n8n queue mode end to end, faults mid-run: main + 2 workers, private Redis and Postgres', () => {
	const suite = queueSuite('faults');
	const { activate, time, errorsOf, pendingDeadLetters } = suite;
	let cluster: QueueCluster, receiver: Receiver, credentials: Credentials;
	before(() => void ({ cluster, receiver, credentials } = suite));

	/** Waits (bounded) until `count` executions reported at a checkpoint route, optionally on one worker; returns their keys. */
	const checkpoints = async (route: string, count: number, worker?: string): Promise<string[]> => {
		const seen = () =>
			receiver.arrivals
				.filter((a) => a.route === route && (worker === undefined || a.worker === worker))
				.map((a) => a.key);
		const deadline = Date.now() + 90_000;
		while (seen().length < count) {
			if (Date.now() > deadline)
				throw new Error(
					`only ${seen().length} of ${count} executions reached ${route}${worker ? ` on ${worker}` : ''} within 90 s`,
				);
			await sleep(50);
		}
		return seen();
	};
	const echo: RouteHandler = (body) => ({ status: 200, body });
	const callOutcomes = (answers: Delivery[]) =>
		tally(
			answers.map((d) =>
				d.failure
					? `call failed: ${d.failure}`
					: `${d.status} ${String(d.body.route ?? d.body.message ?? '')}`,
			),
		);

	it(
		'kill -9 of a worker mid-stream; the Circuit Breaker opened on the survivor is open on the restarted worker; replay: nothing lost, nothing written twice',
		{ timeout: 6 * 60_000 },
		async () => {
			const started = Date.now();
			const [survivor, victim] = cluster.workers;
			const path = `q-kill-${RUN}`;
			receiver.handle(path, () => ({ status: 201, body: { created: true } }));
			receiver.handle(`${path}-claimed`, echo);
			await activate(
				SCENARIOS.exactlyOnce(path, receiver.url(path), 'redis', credentials, {
					seconds: 6,
					before: false,
					checkpointUrl: receiver.url(`${path}-claimed`),
				}),
			);
			const breakerPath = `q-breaker-${RUN}`;
			let vendorDown = true;
			receiver.handle(breakerPath, () =>
				vendorDown
					? { status: 503, body: { message: 'vendor down' } }
					: { status: 200, body: { ok: true } },
			);
			await activate(
				SCENARIOS.breaker(
					breakerPath,
					receiver.url(breakerPath),
					`queue-e2e-${RUN}-breaker`,
					credentials,
				),
			);

			// Wave 1: each execution claims its order, reports at the checkpoint, then sits 6 s
			// before the write. The victim is killed once it holds at least two claims.
			const wave1 = deliverAll(cluster.main.baseUrl, path, orders('kill', 12, 2));
			await checkpoints(`${path}-claimed`, 2, victim.name);
			await victim.kill();
			const killedAt = Date.now();
			const held = [
				...new Set(
					receiver.arrivals
						.filter((a) => a.route === `${path}-claimed` && a.worker === victim.name)
						.map((a) => a.key),
				),
			];
			const writtenAtKill = [...receiver.accepted(path).keys()];
			assert.deepEqual(
				held.filter((key) => writtenAtKill.includes(key)),
				[],
				'the victim had written none of the orders it held',
			);

			// The breaker, opened by failures on the survivor alone (the victim is down).
			const opening: Delivery[] = [];
			for (let call = 0; call < 6; call++)
				opening.push(
					(
						await deliverAnswered(cluster.main.baseUrl, breakerPath, [
							{ key: `b${call}`, payload: { key: `b${call}` } },
						])
					).answers[0],
				);
			assert.deepEqual(
				[...new Set(opening.map((d) => String(d.body.worker)))],
				[survivor.name],
				'failures recorded on the survivor',
			);
			assert.equal(
				opening.at(-1)?.body.route,
				'open',
				`the breaker opened: ${JSON.stringify(opening.map((d) => d.body.route))}`,
			);
			const failedCalls = receiver.arrivals.filter((a) => a.route === breakerPath).length;

			// The killed worker's executions: their jobs stall (lock 15 s) and fail; their callers get an answer.
			const answered = await wave1;
			const failedAnswers = answered.filter((d) => d.failure || d.status >= 500).length;
			console.log(
				`[e2e] kill -9: the victim held ${held.length} claims; wave 1 answered in ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill: ${JSON.stringify(callOutcomes(answered))}`,
			);
			assert.ok(
				failedAnswers >= held.length,
				`each killed execution was answered with an error (${failedAnswers} errors for ${held.length} killed)`,
			);

			// Restart the killed worker; the breaker is open for it too.
			const restarting = Date.now();
			await victim.start();
			time('worker restart after kill -9', restarting);
			vendorDown = false;
			const seenOpenBy = new Set<string>();
			for (let round = 0; round < 6 && !seenOpenBy.has(victim.name); round++) {
				const checks = (
					await deliverAnswered(
						cluster.main.baseUrl,
						breakerPath,
						Array.from({ length: 6 }, (_, index) => ({
							key: `c${round}-${index}`,
							payload: { key: `c${round}-${index}` },
						})),
					)
				).answers;
				assert.deepEqual(
					tally(checks.map((d) => String(d.body.route))),
					{ open: 6 },
					'every check answered Open',
				);
				for (const check of checks) seenOpenBy.add(String(check.body.worker));
			}
			assert.ok(
				seenOpenBy.has(victim.name),
				`the restarted worker saw the breaker open (seen by ${[...seenOpenBy].join(', ')})`,
			);
			assert.equal(
				receiver.arrivals.filter((a) => a.route === breakerPath).length,
				failedCalls,
				'no call reached the vendor while the breaker was open',
			);

			// Replay: re-send every order without a definitive answer (the dead claims' 6 s lease ran out long ago).
			await sleep(Math.max(0, killedAt + 7000 - Date.now()));
			const unanswered = [...new Set(answered.filter((d) => !definitive(d)).map((d) => d.key))];
			const resent = (
				await deliverAnswered(
					cluster.main.baseUrl,
					path,
					unanswered.map((key) => ({ key, payload: { orderId: key } })),
				)
			).answers;
			assert.ok(resent.every(definitive), `re-sent: ${JSON.stringify(tally(resent.map(outcome)))}`);
			const again = (await deliverAnswered(cluster.main.baseUrl, path, orders('kill', 12, 1)))
				.answers;
			assert.deepEqual(tally(again.map(outcome)), { duplicate: 12 });

			const accepted = receiver.accepted(path);
			console.log(
				`[e2e] kill -9: re-sent ${unanswered.length} orders; vendor calls ${receiver.arrivals.filter((a) => a.route === path).length} for ${accepted.size} orders`,
			);
			assert.equal(accepted.size, 12, 'every order reached the vendor');
			assert.deepEqual(
				[...accepted.values()],
				Array(12).fill(1),
				'each order exactly once at the vendor',
			);
			time('kill -9 + breaker + replay', started);
		},
	);

	it(
		'Redis restarted mid-stream (queue and store): Claims while it was down fail naming Redis and the cause; after the replay each order is written once',
		{ timeout: 4 * 60_000 },
		async () => {
			const started = Date.now();
			const path = `q-redis-${RUN}`;
			receiver.handle(path, () => ({ status: 201, body: { created: true } }));
			receiver.handle(`${path}-waiting`, echo);
			const workflow = await activate(
				SCENARIOS.exactlyOnce(path, receiver.url(path), 'redis', credentials, {
					seconds: 3,
					before: true,
					checkpointUrl: receiver.url(`${path}-waiting`),
				}),
			);

			// Executions that reached the slow step before Redis went down claim while it is down (down 4 s > slow step 3 s).
			const stream = deliverAll(
				cluster.main.baseUrl,
				path,
				orders('redis', 16, 1),
				FAULT_CALL_TIMEOUT_MS,
			);
			const waiting = await checkpoints(`${path}-waiting`, 3);
			const down = await cluster.redis.restart({ downMs: 4000 });
			const answered = await stream;
			console.log(
				`[e2e] Redis restart: down ${(down / 1000).toFixed(1)} s with ${waiting.length} executions in the slow step; answers ${JSON.stringify(callOutcomes(answered))}`,
			);
			for (const worker of cluster.workers)
				assert.ok(
					worker.pid() !== undefined,
					`${worker.name} survived the Redis restart:\n${worker.logTail(30)}`,
				);

			const messages = await errorsOf(workflow.id);
			console.log(`[e2e] Redis restart: execution errors: ${JSON.stringify(tally(messages))}`);
			const storeErrors = messages.filter((message) =>
				message.includes(`Redis at 127.0.0.1:${cluster.redis.port}`),
			);
			assert.ok(
				storeErrors.length >= waiting.length,
				`each Claim that ran while Redis was down failed naming it (${storeErrors.length} of ${waiting.length}); errors: ${JSON.stringify(messages)}`,
			);
			for (const message of storeErrors)
				assert.match(message, /unreachable: .*(ECONNREFUSED|Connection is closed|closed)/, message);

			await sleep(7000); // a claim taken just before the restart runs out (lease 6 s)
			const unanswered = [...new Set(answered.filter((d) => !definitive(d)).map((d) => d.key))];
			const resent = (
				await deliverAnswered(
					cluster.main.baseUrl,
					path,
					unanswered.map((key) => ({ key, payload: { orderId: key } })),
				)
			).answers;
			assert.ok(resent.every(definitive), `re-sent: ${JSON.stringify(tally(resent.map(outcome)))}`);
			const again = (await deliverAnswered(cluster.main.baseUrl, path, orders('redis', 16, 1)))
				.answers;
			assert.deepEqual(
				tally(again.map(outcome)),
				{ duplicate: 16 },
				'the claims survived the restart (AOF)',
			);
			const accepted = receiver.accepted(path);
			assert.equal(accepted.size, 16, 'every order reached the vendor');
			assert.deepEqual(
				[...accepted.values()],
				Array(16).fill(1),
				'each order exactly once at the vendor',
			);
			time('Redis restart + replay', started);
		},
	);

	it(
		'Postgres restarted mid-stream (n8n database and dead-letter store): captures while it was down name Postgres and the cause; after replays every record is delivered, none applied twice',
		{ timeout: 4 * 60_000 },
		async () => {
			const started = Date.now();
			const path = `q-pg-${RUN}`;
			const scope = `queue-e2e-${RUN}-pg`;
			const alerts: Array<{ id: string; error: string; description: string }> = [];
			receiver.handle(path, (body) =>
				Number(body.id) % 2 === 0 && body.deadLetter === undefined
					? { status: 503, body: { message: 'Service temporarily unavailable' } }
					: { status: 200, body: { ok: true } },
			);
			receiver.handle(`${path}-waiting`, echo);
			receiver.handle(`${path}-alerts`, (body) => {
				alerts.push({
					id: String(body.id),
					error: String(body.error),
					description: String(body.description),
				});
				return { status: 200, body: { alerted: true } };
			});
			await activate(
				SCENARIOS.records(path, receiver.url(path), scope, credentials, {
					seconds: 3,
					checkpointUrl: receiver.url(`${path}-waiting`),
					alertUrl: receiver.url(`${path}-alerts`),
				}),
			);
			await activate(SCENARIOS.replay(`${path}-replay`, receiver.url(path), scope, credentials));

			const ids = Array.from({ length: 24 }, (_, index) => index + 1);
			const stream = deliverAll(
				cluster.main.baseUrl,
				path,
				ids.map((id) => ({ key: String(id), payload: { id } })),
				FAULT_CALL_TIMEOUT_MS,
			);
			const waiting = await checkpoints(`${path}-waiting`, 6);
			const down = await cluster.postgres.restart({ downMs: 4000 });
			const answered = await stream;
			console.log(
				`[e2e] Postgres restart: down ${(down / 1000).toFixed(1)} s with ${waiting.length} executions in the slow step; answers ${JSON.stringify(callOutcomes(answered))}`,
			);
			for (const worker of cluster.workers)
				assert.ok(
					worker.pid() !== undefined,
					`${worker.name} survived the Postgres restart:\n${worker.logTail(30)}`,
				);

			const waitingToFail = waiting.filter((id) => Number(id) % 2 === 0);
			console.log(
				`[e2e] Postgres restart: ${alerts.length} on-call alerts for ${waitingToFail.length} failing records in the slow step: ${JSON.stringify(tally(alerts.map((a) => `${a.error} | ${a.description}`.slice(0, 240))))}`,
			);
			assert.ok(
				alerts.length > 0 || waitingToFail.length === 0,
				'a capture that ran while Postgres was down raised an alert',
			);
			// The error output item carries the node's error (`error`) and its description. Two causes, measured:
			// - the store itself was unreachable: the description names the store ("Postgres at host:port/db");
			// - n8n could not load the node's credential from ITS database (the same Postgres server, down):
			//   the node says so, with n8n's cause, and that the store was not contacted.
			const storeAt = `Postgres at 127.0.0.1:${cluster.postgres.port}/postgres`;
			const credentialFailure =
				"Could not load the Postgres store credential from n8n's database: ";
			const causes = { store: 0, credential: 0 };
			for (const alert of alerts) {
				const text = `${alert.error} | ${alert.description}`;
				const namesStore = text.includes(storeAt);
				const namesCredential =
					alert.error.startsWith(credentialFailure) &&
					alert.description.includes('The store itself was not contacted');
				assert.ok(
					namesStore || namesCredential,
					`the error names the Postgres store, or n8n's database as the cause: ${text}`,
				);
				causes[namesStore ? 'store' : 'credential']++;
				assert.match(
					alert.error,
					/ECONNREFUSED|terminat|shutting down|starting up|timeout|Connection/i,
					text,
				);
			}
			console.log(
				`[e2e] Postgres restart: errors naming the store ${causes.store}, naming n8n's database ${causes.credential}`,
			);

			// Replay 1: the client re-sends every record without a delivered / dead-lettered answer.
			const settled = (d: Delivery) =>
				d.status === 200 && ['delivered', 'deadLettered'].includes(String(d.body.route));
			let pending = [...new Set(answered.filter((d) => !settled(d)).map((d) => Number(d.key)))];
			const resentCount = pending.length;
			for (let round = 0; round < 3 && pending.length > 0; round++) {
				const resent = (
					await deliverAnswered(
						cluster.main.baseUrl,
						path,
						pending.map((id) => ({ key: String(id), payload: { id } })),
					)
				).answers;
				pending = resent.filter((d) => !settled(d)).map((d) => Number(d.key));
			}
			assert.deepEqual(pending, [], 'every record settled after re-sending');
			const dead = await pendingDeadLetters(scope);
			const delivered = receiver.accepted(path);
			assert.equal(
				new Set([...dead.keys(), ...delivered.keys()]).size,
				ids.length,
				'delivered + dead-lettered = sent',
			);

			// Replay 2: the dead letters.
			const replayed = (
				await deliverAnswered(cluster.main.baseUrl, `${path}-replay`, [
					{ key: 'replay', payload: {} },
				])
			).answers[0];
			assert.equal(replayed.status, 200, JSON.stringify(replayed.body));
			assert.equal((await pendingDeadLetters(scope)).size, 0, 'no dead letter left open');
			const applied = receiver.applied(path);
			const accepted = receiver.accepted(path);
			const calls = [...accepted.values()].reduce((a, b) => a + b, 0);
			console.log(
				`[e2e] Postgres restart: re-sent ${resentCount}; dead letters ${dead.size} (rows ${[...dead.values()].reduce((a, b) => a + b, 0)}); vendor accepted ${calls} calls for ${accepted.size} records, applied ${applied.size}`,
			);
			assert.equal(accepted.size, ids.length, 'every record delivered');
			// A record delivered while n8n's database was down may be delivered again when its caller
			// re-sends it (its answer was lost): it carries the same Idempotency-Key, so the vendor applies it once.
			const repeatedKeys = receiver.arrivals
				.filter((a) => a.route === path && a.status < 300)
				.reduce(
					(map, a) => map.set(a.key, new Set([...(map.get(a.key) ?? []), a.idempotencyKey])),
					new Map<string, Set<string>>(),
				);
			assert.ok(
				[...repeatedKeys.values()].every((keys) => keys.size === 1),
				'every delivery of a record carried one Idempotency-Key',
			);
			assert.deepEqual(
				[...applied.keys()].sort(),
				ids.map((id) => `record-${id}`).sort(),
				'each record applied by the vendor, under its own key',
			);
			time('Postgres restart + replays', started);
		},
	);
});
