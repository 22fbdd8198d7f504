// Private, throwaway Redis and Postgres servers for tests that kill and restart them.
//
// The machine's shared services (Redis 6379, Postgres 5432) are never touched: each
// server here runs from its own temporary folder on a free 127.0.0.1 port, is known by
// its PID, and is stopped and removed by stop() (or, if the test process dies first,
// killed by an exit hook). Every wait is bounded.
//
// Redis runs with AOF (appendonly yes, appendfsync everysec), as a queue-mode deployment
// should: it holds n8n's Bull queue and the guards' shared state (idempotency claims,
// breakers, limits). Without persistence a restart forgets every claim and every queued
// job, and the next delivery of an order is written a second time. A restart here is a
// graceful one (SIGTERM: Redis writes the AOF out before it exits), as systemd or an
// upgrade does it.
//
// Postgres is a fresh cluster (initdb) started with pg_ctl. As root, initdb refuses to
// run, so both run as the `postgres` user (runuser) in a folder that user owns.
// fsync is off: it only matters when the machine itself crashes, which no test does.
//
// Environment:
//   GUARDS_PG_BIN   folder with initdb and pg_ctl (default /usr/lib/postgresql/<newest>/bin, else PATH)
//   GUARDS_REDIS_SERVER   the redis-server binary (default redis-server on PATH)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
	chownSync,
	closeSync,
	existsSync,
	mkdtempSync,
	openSync,
	readdirSync,
	readFileSync,
	rmSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

/** One private server. */
export interface PrivateService {
	readonly name: string;
	readonly host: string;
	readonly port: number;
	/** The server's folder (data, log). */
	readonly dir: string;
	/** The PID of the running server (redis-server, or the postmaster); undefined while stopped. */
	pid(): number | undefined;
	/** True while the server answers. */
	isUp(): Promise<boolean>;
	/** Starts it again on the same port and folder (after stop() or kill()). */
	start(): Promise<void>;
	/** Graceful stop (SIGTERM / pg_ctl stop -m fast), bounded; SIGKILL if it does not exit. */
	stop(): Promise<void>;
	/** SIGKILL, as an OOM kill or a crash. */
	kill(): Promise<void>;
	/** stop(), `downMs` with the port closed, start(). Returns how long it was down (ms). */
	restart(options?: { downMs?: number }): Promise<number>;
	/** The last lines of its log. */
	logTail(lines?: number): string;
	/** Stops it and removes its folder. */
	dispose(): Promise<void>;
}

export interface PrivatePostgres extends PrivateService {
	readonly user: string;
	readonly database: string;
}

// ---------------------------------------------------------------------------------------
// Process bookkeeping: everything started here is killed when the test process exits.
// ---------------------------------------------------------------------------------------

const liveServers = new Map<number, { dir: string; signal: NodeJS.Signals }>();
let hooksInstalled = false;

function installExitHook(): void {
	if (hooksInstalled) return;
	hooksInstalled = true;
	const killAll = () => {
		for (const [pid, { dir, signal }] of liveServers) {
			try {
				process.kill(pid, signal);
			} catch {
				// already gone
			}
			rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
		}
		liveServers.clear();
	};
	process.once('exit', killAll);
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		process.once(signal, () => {
			killAll();
			process.kill(process.pid, signal);
		});
	}
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(
	check: () => Promise<boolean> | boolean,
	timeoutMs: number,
	what: string,
	intervalMs = 100,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (await check()) return;
		if (Date.now() > deadline)
			throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
		await sleep(intervalMs);
	}
}

/** A port free on 127.0.0.1 right now (another process may take it before we bind it: callers retry). */
export async function freeLoopbackPort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() =>
				typeof address === 'object' && address
					? resolve(address.port)
					: reject(new Error('no port')),
			);
		});
	});
}

/** What every private server does the same way: restart after a pause, its log, clean-up. */
function lifecycle(
	service: () => PrivateService,
	launch: () => Promise<void>,
	dir: string,
	logFile: string,
): Pick<PrivateService, 'restart' | 'logTail' | 'dispose'> {
	return {
		restart: async ({ downMs = 0 } = {}) => {
			const down = Date.now();
			await service().stop();
			if (downMs > 0) await sleep(downMs);
			await launch();
			return Date.now() - down;
		},
		logTail: (lines = 30) => tail(logFile, lines),
		dispose: async () => {
			await service().stop();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

function tail(file: string, lines: number): string {
	try {
		return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
	} catch {
		return '';
	}
}

/** Sends `command` on a new connection and resolves with the first chunk of the answer ('' on any error), bounded by `timeoutMs`. */
function ask(port: number, command: string, timeoutMs = 2000): Promise<string> {
	return new Promise((resolve) => {
		const socket = net.connect({ host: '127.0.0.1', port });
		const done = (answer: string) => {
			clearTimeout(timer);
			socket.destroy();
			resolve(answer);
		};
		const timer = setTimeout(() => done(''), timeoutMs);
		socket.once('connect', () => socket.write(command));
		socket.once('data', (chunk) => done(chunk.toString()));
		socket.once('error', () => done(''));
	});
}

// ---------------------------------------------------------------------------------------
// Redis
// ---------------------------------------------------------------------------------------

export interface RedisOptions {
	/** AOF persistence (default true; see the file comment for why). */
	appendOnly?: boolean;
}

/** Starts a private redis-server on a free 127.0.0.1 port. */
export async function startRedis(options: RedisOptions = {}): Promise<PrivateService> {
	installExitHook();
	const binary = process.env.GUARDS_REDIS_SERVER || 'redis-server';
	const dir = mkdtempSync(path.join(os.tmpdir(), 'guards-redis-'));
	const logFile = path.join(dir, 'redis.log');
	let port = 0;
	let child: ChildProcess | undefined;
	let exited = true;

	const launch = async (): Promise<void> => {
		const args = [
			'--port',
			String(port),
			'--bind',
			'127.0.0.1',
			'--dir',
			dir,
			'--save',
			'',
			'--appendonly',
			options.appendOnly === false ? 'no' : 'yes',
			'--appendfsync',
			'everysec',
			'--daemonize',
			'no',
			'--logfile',
			logFile,
			'--protected-mode',
			'yes',
		];
		const launched = spawn(binary, args, { cwd: dir, stdio: 'ignore', detached: true });
		exited = false;
		launched.once('exit', () => {
			exited = true;
			if (launched.pid !== undefined) liveServers.delete(launched.pid);
		});
		launched.once('error', () => {
			exited = true;
		});
		child = launched;
		if (launched.pid !== undefined) liveServers.set(launched.pid, { dir, signal: 'SIGKILL' });
		await waitFor(
			async () => {
				if (exited)
					throw new Error(
						`redis-server on port ${port} exited during start-up:\n${tail(logFile, 20)}`,
					);
				return (await ask(port, 'PING\r\n')).startsWith('+PONG');
			},
			START_TIMEOUT_MS,
			`redis-server on 127.0.0.1:${port}`,
		);
	};

	const waitExit = async (timeoutMs: number): Promise<boolean> => {
		const deadline = Date.now() + timeoutMs;
		while (!exited && Date.now() < deadline) await sleep(50);
		return exited;
	};

	const signal = async (name: NodeJS.Signals): Promise<void> => {
		if (!child || exited || child.pid === undefined) return;
		try {
			process.kill(child.pid, name);
		} catch {
			// already gone
		}
	};

	const service: PrivateService = {
		name: 'redis',
		host: '127.0.0.1',
		get port() {
			return port;
		},
		dir,
		pid: () => (child && !exited ? child.pid : undefined),
		isUp: async () => (await ask(port, 'PING\r\n', 1000)).startsWith('+PONG'),
		start: async () => {
			if (!exited) return;
			await launch();
		},
		stop: async () => {
			await signal('SIGTERM');
			if (!(await waitExit(STOP_TIMEOUT_MS))) {
				await signal('SIGKILL');
				await waitExit(5000);
			}
		},
		kill: async () => {
			await signal('SIGKILL');
			await waitExit(5000);
		},
		...lifecycle(() => service, launch, dir, logFile),
	};

	for (let attempt = 1; ; attempt++) {
		port = await freeLoopbackPort();
		try {
			await launch();
			return service;
		} catch (error) {
			await service.kill();
			if (attempt >= 3 || !/Address already in use/.test(tail(logFile, 20))) {
				rmSync(dir, { recursive: true, force: true });
				throw error;
			}
		}
	}
}

// ---------------------------------------------------------------------------------------
// Postgres
// ---------------------------------------------------------------------------------------

function postgresBinDir(): string | undefined {
	if (process.env.GUARDS_PG_BIN) return process.env.GUARDS_PG_BIN;
	const base = '/usr/lib/postgresql';
	if (!existsSync(base)) return undefined;
	const versions = readdirSync(base)
		.filter((name) => /^\d+$/.test(name) && existsSync(path.join(base, name, 'bin', 'pg_ctl')))
		.sort((a, b) => Number(b) - Number(a));
	return versions.length ? path.join(base, versions[0], 'bin') : undefined;
}

/** uid/gid of the `postgres` user when we are root (Postgres refuses to run as root). */
function postgresUser(): { uid: number; gid: number } | undefined {
	if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
	const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
	const uid = id('-u');
	const gid = id('-g');
	if (uid.status !== 0 || gid.status !== 0) {
		throw new Error(
			'running as root, and there is no `postgres` user to run a private Postgres as (initdb refuses root). Create one: useradd -r postgres',
		);
	}
	return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

interface Run {
	code: number | null;
	output: string;
}

/** Runs a Postgres tool (as the postgres user when we are root), bounded in time. */
function runTool(tool: string, args: string[], cwd: string, timeoutMs: number): Promise<Run> {
	const bin = postgresBinDir();
	const executable = bin ? path.join(bin, tool) : tool;
	const asPostgres = postgresUser() !== undefined;
	const command = asPostgres ? 'runuser' : executable;
	const commandArgs = asPostgres ? ['-u', 'postgres', '--', executable, ...args] : args;
	return new Promise((resolve) => {
		const child = spawn(command, commandArgs, {
			cwd,
			stdio: ['ignore', 'pipe', 'pipe'],
			env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
		});
		let output = '';
		child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
		const timer = setTimeout(() => {
			output += `\n[services] ${tool} killed after ${timeoutMs / 1000} s`;
			child.kill('SIGKILL');
		}, timeoutMs);
		child.on(
			'error',
			(error) => (output += `\n[services] cannot run ${command}: ${error.message}`),
		);
		child.on('close', (code) => {
			clearTimeout(timer);
			resolve({ code, output });
		});
	});
}

/** Starts a private Postgres cluster (initdb + pg_ctl) on a free 127.0.0.1 port; trust auth, user postgres, database postgres. */
export async function startPostgres(): Promise<PrivatePostgres> {
	installExitHook();
	const owner = postgresUser();
	const dir = mkdtempSync(path.join(os.tmpdir(), 'guards-pg-'));
	if (owner) chownSync(dir, owner.uid, owner.gid);
	const dataDir = path.join(dir, 'data');
	const logFile = path.join(dir, 'postgres.log');
	if (owner) {
		closeSync(openSync(logFile, 'a'));
		chownSync(logFile, owner.uid, owner.gid);
	}
	let port = 0;
	let postmaster: number | undefined;

	const init = await runTool(
		'initdb',
		['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
		dir,
		120_000,
	);
	if (init.code !== 0) {
		rmSync(dir, { recursive: true, force: true });
		throw new Error(
			`initdb failed (exit ${init.code}); is PostgreSQL installed (initdb, pg_ctl)? Set GUARDS_PG_BIN to its bin folder.\n${init.output.slice(-3000)}`,
		);
	}

	const readPid = (): number | undefined => {
		try {
			const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
			return Number.isInteger(pid) && pid > 0 ? pid : undefined;
		} catch {
			return undefined;
		}
	};

	const launch = async (): Promise<void> => {
		const options = [
			`-p ${port}`,
			'-c listen_addresses=127.0.0.1',
			`-k ${dir}`,
			'-c fsync=off',
			'-c full_page_writes=off',
			'-c max_connections=200',
			'-c shared_buffers=32MB',
		].join(' ');
		const started = await runTool(
			'pg_ctl',
			[
				'start',
				'-D',
				dataDir,
				'-l',
				logFile,
				'-w',
				'-t',
				String(START_TIMEOUT_MS / 1000),
				'-o',
				options,
			],
			dir,
			START_TIMEOUT_MS + 10_000,
		);
		postmaster = readPid();
		if (postmaster !== undefined) liveServers.set(postmaster, { dir, signal: 'SIGQUIT' });
		if (started.code !== 0)
			throw new Error(
				`pg_ctl start on port ${port} failed (exit ${started.code}):\n${started.output.slice(-2000)}\n${tail(logFile, 20)}`,
			);
		await waitFor(() => service.isUp(), START_TIMEOUT_MS, `Postgres on 127.0.0.1:${port}`);
	};

	const forget = () => {
		if (postmaster !== undefined) liveServers.delete(postmaster);
		postmaster = undefined;
	};

	const service: PrivatePostgres = {
		name: 'postgres',
		host: '127.0.0.1',
		get port() {
			return port;
		},
		user: 'postgres',
		database: 'postgres',
		dir,
		pid: () => (postmaster !== undefined && isAlive(postmaster) ? postmaster : undefined),
		// A startup packet for user postgres: any 'R' (authentication) answer means it accepts connections.
		isUp: async () => {
			const user = Buffer.from('user\0postgres\0database\0postgres\0\0');
			const packet = Buffer.alloc(8 + user.length);
			packet.writeInt32BE(packet.length, 0);
			packet.writeInt32BE(196608, 4);
			user.copy(packet, 8);
			const answer = await ask(port, packet.toString('latin1'), 1000);
			return answer.startsWith('R');
		},
		start: async () => {
			if (service.pid() !== undefined) return;
			await launch();
		},
		stop: async () => {
			const pid = service.pid();
			if (pid === undefined) return forget();
			const stopped = await runTool(
				'pg_ctl',
				['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', String(STOP_TIMEOUT_MS / 1000)],
				dir,
				STOP_TIMEOUT_MS + 5000,
			);
			if (stopped.code !== 0 || isAlive(pid)) {
				try {
					process.kill(pid, 'SIGQUIT');
				} catch {
					// gone
				}
				await waitFor(() => !isAlive(pid), 10_000, `the postmaster ${pid} to exit`).catch(() =>
					process.kill(pid, 'SIGKILL'),
				);
			}
			forget();
		},
		kill: async () => {
			const pid = service.pid();
			if (pid === undefined) return forget();
			process.kill(pid, 'SIGKILL');
			await waitFor(() => !isAlive(pid), 10_000, `the postmaster ${pid} to die`);
			// Its backends notice the postmaster is gone and exit; a new start waits for them (pg_ctl checks the lock file).
			forget();
		},
		...lifecycle(() => service, launch, dir, logFile),
	};

	for (let attempt = 1; ; attempt++) {
		port = await freeLoopbackPort();
		try {
			await launch();
			return service;
		} catch (error) {
			await service.stop().catch(() => undefined);
			if (attempt >= 3 || !/could not bind|Address already in use/.test(tail(logFile, 20))) {
				rmSync(dir, { recursive: true, force: true });
				throw error;
			}
		}
	}
}
