// A rate-limited vendor on 127.0.0.1 for the Rate Limiter's real-server tests and benchmark
// (issue 6, "Proof against a real rate-limited server").
//
// startVendor() starts a private nginx (Debian's /usr/sbin/nginx) with its own prefix, config,
// pid file, logs and temp folders in a new temporary folder, running as the current user, on a
// free 127.0.0.1 port. nginx does what a vendor's gateway does:
//   - `limit_req` at the given rate and burst (nodelay: excess requests are rejected at once,
//     not queued) answers 429 with `Retry-After` (and `X-RateLimit-Limit` if asked);
//   - optionally sheds a share of the requests that passed the limiter with 503 (split_clients
//     on $request_id), as an overloaded vendor does;
//   - the response comes from a named location reached through `try_files`: a bare
//     `return 200` runs in the rewrite phase, before limit_req's preaccess phase, and is never
//     limited. The named location proxies to a tiny node:http app in this process that answers
//     JSON (echo; `/bulk` with per-record results) — nginx does the limiting, the app the bodies;
//   - an access log in JSON lines (time in ms, status, method, uri, the X-Item-Id and
//     Idempotency-Key headers, the request body) so a test counts exactly what the vendor
//     accepted, per item, and every 429 it sent.
// stop() ends nginx (SIGQUIT, then SIGKILL to its process group, by PID) within a few seconds;
// a process exit or a terminating signal kills every nginx still running.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { freeLoopbackPort } from './services';

export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface VendorOptions {
	/** Requests per `per` the vendor accepts (nginx `rate=`). */
	rate: number;
	/** Default 'second'. */
	per?: 'second' | 'minute';
	/** Requests above the rate accepted at once before 429s start (nginx `burst=`, with nodelay). Default 0. */
	burst?: number;
	/** Percentage (0-100) of the requests that passed the limiter answered 503 instead. Default 0. */
	shedPercent?: number;
	/** `Retry-After` seconds on a 429; null = no header. Default 1. */
	retryAfterSeconds?: number | null;
	/** Send `X-RateLimit-Limit: <n>` on every response (the documented limit a vendor advertises). */
	advertiseLimit?: number;
	/** Log request bodies (default true; needed to count bulk records). */
	logBodies?: boolean;
}

/** One line of the vendor's access log. */
export interface AccessEntry {
	/** Epoch milliseconds when nginx finished the request. */
	time: number;
	status: number;
	method: string;
	uri: string;
	/** The X-Item-Id request header ('' when absent). */
	item: string;
	/** The Idempotency-Key request header ('' when absent). */
	idempotencyKey: string;
	/** The request body as received ('' for requests rejected before the body was read). */
	body: string;
	requestId: string;
}

export interface VendorSummary {
	requests: number;
	/** 2xx answers: what the vendor accepted (wrote). */
	accepted: number;
	/** Distinct items among the accepted requests. */
	acceptedItems: number;
	/** accepted − acceptedItems: the same item written more than once. */
	duplicates: number;
	/** Items accepted more than once, with their counts. */
	duplicatedItems: Map<string, number>;
	/** 429 answers. */
	rateLimited: number;
	/** 503 answers (shed). */
	shed: number;
	/** Any other status. */
	otherStatus: number;
	/** Accepted requests per item. */
	acceptedPerItem: Map<string, number>;
	firstAcceptedAt: number;
	lastAcceptedAt: number;
	/** (accepted − 1) / (last − first accepted) in requests per second; NaN with fewer than 2. */
	acceptedPerSecond: number;
}

export interface Vendor {
	/** http://127.0.0.1:<port> (no trailing slash). */
	url: string;
	port: number;
	/** nginx's master PID. */
	pid: number;
	/** The temporary prefix (conf, logs, temp folders). */
	prefix: string;
	accessLog: string;
	options: Required<Omit<VendorOptions, 'advertiseLimit'>> & { advertiseLimit?: number };
	/** The access log, parsed. */
	entries(): AccessEntry[];
	/** Counts over the access log (or the given entries); items identified by `itemOf` (default: itemKey). */
	summary(entries?: AccessEntry[], itemOf?: (entry: AccessEntry) => string): VendorSummary;
	/** The most 2xx answers in any window of `windowMs` (sliding over the accepted requests). */
	maxAcceptedInWindow(windowMs: number, entries?: AccessEntry[]): number;
	/** The last lines of nginx's error log. */
	errorLogTail(lines?: number): string;
	stop(): Promise<void>;
}

/** How an entry names its item: X-Item-Id, else Idempotency-Key, else the body's `id`, else the URI. */
export function itemKey(entry: AccessEntry): string {
	if (entry.item) return entry.item;
	if (entry.idempotencyKey) return entry.idempotencyKey;
	if (entry.body) {
		try {
			const parsed: unknown = JSON.parse(entry.body);
			if (parsed && typeof parsed === 'object' && 'id' in parsed)
				return String((parsed as { id: unknown }).id);
		} catch {
			// not JSON: fall through
		}
	}
	return entry.uri;
}

// ---------------------------------------------------------------------------------------
// The app behind nginx
// ---------------------------------------------------------------------------------------

/**
 * JSON answers: `POST /bulk` with `{ records: [...] }` (or an array) → `{ results: [{ index, id,
 * ok, error? }] }` (a record with `"fail": true` is rejected on its own); anything else → an echo
 * `{ ok, method, path, query, itemId, idempotencyKey, received }`.
 */
function handle(request: IncomingMessage, response: ServerResponse, body: string): void {
	const url = new URL(request.url ?? '/', 'http://vendor.invalid');
	let received: unknown = body;
	if (body) {
		try {
			received = JSON.parse(body);
		} catch {
			received = body;
		}
	}
	const send = (status: number, payload: unknown): void => {
		response.writeHead(status, { 'content-type': 'application/json' });
		response.end(JSON.stringify(payload));
	};
	if (url.pathname === '/bulk' || url.pathname.endsWith('/bulk')) {
		const records = Array.isArray(received)
			? received
			: received &&
				  typeof received === 'object' &&
				  Array.isArray((received as { records?: unknown }).records)
				? (received as { records: unknown[] }).records
				: undefined;
		if (!records) return send(400, { error: 'expected { "records": [...] } or an array' });
		const results = records.map((record, index) => {
			const fields =
				record && typeof record === 'object' ? (record as Record<string, unknown>) : {};
			const id = fields.id ?? null;
			return fields.fail === true
				? { index, id, ok: false, error: 'rejected by the vendor' }
				: { index, id, ok: true };
		});
		return send(200, { results });
	}
	send(200, {
		ok: true,
		method: request.method,
		path: url.pathname,
		query: Object.fromEntries(url.searchParams),
		itemId: request.headers['x-item-id'] ?? null,
		idempotencyKey: request.headers['idempotency-key'] ?? null,
		received,
	});
}

async function startApp(): Promise<Server> {
	const server = createServer((request, response) => {
		const chunks: Buffer[] = [];
		let size = 0;
		request.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size <= MAX_BODY_BYTES) chunks.push(chunk);
		});
		request.on('end', () => {
			if (size > MAX_BODY_BYTES) {
				response.writeHead(413, { 'content-type': 'application/json' });
				response.end('{"error":"body too large"}');
				return;
			}
			handle(request, response, Buffer.concat(chunks).toString('utf8'));
		});
		request.on('error', () => response.destroy());
	});
	server.keepAliveTimeout = 30_000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	server.unref();
	return server;
}

// ---------------------------------------------------------------------------------------
// nginx
// ---------------------------------------------------------------------------------------

const running = new Set<ChildProcess>();
let hooksInstalled = false;

/** Kills the process group led by nginx's master (master and worker), by PID. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
	if (child.pid === undefined) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		try {
			child.kill(signal);
		} catch {
			// already gone
		}
	}
}

function installExitHooks(): void {
	if (hooksInstalled) return;
	hooksInstalled = true;
	process.once('exit', () => {
		for (const child of running) killGroup(child, 'SIGKILL');
	});
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		process.once(signal, () => {
			for (const child of running) killGroup(child, 'SIGKILL');
			running.clear();
			process.kill(process.pid, signal);
		});
	}
}

/** `user <name> <group>;` when nginx would start as root (workers would otherwise run as nobody); nothing otherwise. */
function userDirective(): string {
	if (typeof process.getuid !== 'function' || process.getuid() !== 0) return '';
	const { username, gid } = os.userInfo();
	let group = '';
	try {
		group =
			readFileSync('/etc/group', 'utf8')
				.split('\n')
				.map((line) => line.split(':'))
				.find((fields) => fields[2] === String(gid))?.[0] ?? '';
	} catch {
		// no /etc/group: nginx then uses the group named like the user
	}
	return `user ${username}${group ? ` ${group}` : ''};`;
}

function checkOptions(options: VendorOptions): void {
	if (!Number.isInteger(options.rate) || options.rate < 1)
		throw new Error(`startVendor: rate must be a positive integer, got ${options.rate}`);
	if (options.burst !== undefined && (!Number.isInteger(options.burst) || options.burst < 0))
		throw new Error(`startVendor: burst must be an integer >= 0, got ${options.burst}`);
	const shed = options.shedPercent ?? 0;
	if (!(shed >= 0 && shed < 100))
		throw new Error(`startVendor: shedPercent must be from 0 to below 100, got ${shed}`);
	const retryAfter = options.retryAfterSeconds;
	if (
		retryAfter !== undefined &&
		retryAfter !== null &&
		!(Number.isInteger(retryAfter) && retryAfter >= 0)
	) {
		throw new Error(
			`startVendor: retryAfterSeconds must be an integer >= 0 or null, got ${retryAfter}`,
		);
	}
}

function nginxConf(prefix: string, port: number, appPort: number, options: VendorOptions): string {
	const burst = options.burst ?? 0;
	const shed = options.shedPercent ?? 0;
	const retryAfter = options.retryAfterSeconds === undefined ? 1 : options.retryAfterSeconds;
	const logBodies = options.logBodies ?? true;
	const rate = `${options.rate}r/${options.per === 'minute' ? 'm' : 's'}`;
	const limitHeader =
		options.advertiseLimit === undefined
			? ''
			: `add_header X-RateLimit-Limit ${Math.trunc(options.advertiseLimit)} always;`;
	const p = (...parts: string[]) => path.join(prefix, ...parts);
	// escape=json: every variable is escaped as a JSON string; numbers are printed bare.
	const logFormat = [
		'"time":$msec',
		'"status":$status',
		'"method":"$request_method"',
		'"uri":"$request_uri"',
		'"item":"$http_x_item_id"',
		'"idempotencyKey":"$http_idempotency_key"',
		`"body":"${logBodies ? '$request_body' : ''}"`,
		'"requestId":"$request_id"',
	].join(',');
	return `# generated by test/support/nginx.ts
${userDirective()}
worker_processes 1;
pid ${p('nginx.pid')};
error_log ${p('logs', 'error.log')} info;
events { worker_connections 4096; }
http {
	client_body_temp_path ${p('temp', 'body')};
	proxy_temp_path ${p('temp', 'proxy')};
	fastcgi_temp_path ${p('temp', 'fastcgi')};
	uwsgi_temp_path ${p('temp', 'uwsgi')};
	scgi_temp_path ${p('temp', 'scgi')};
	access_log off;
	server_tokens off;
	keepalive_requests 100000;
	client_max_body_size ${MAX_BODY_BYTES};
	# bodies stay in memory, so $request_body can be logged
	client_body_buffer_size ${MAX_BODY_BYTES};
	log_format vendor escape=json '{${logFormat}}';

	# One account: every request shares one bucket.
	limit_req_zone $server_port zone=vendor:1m rate=${rate};
	limit_req_status 429;
	limit_req_log_level info;
${shed > 0 ? `	split_clients "\${request_id}" $shed { ${shed}% 1; * ""; }\n` : ''}
	upstream app {
		server 127.0.0.1:${appPort};
		keepalive 64;
	}

	server {
		listen 127.0.0.1:${port};
		root ${p('html')};
		access_log ${p('logs', 'access.log')} vendor;
		error_page 429 @limited;

		location / {
			limit_req zone=vendor${burst > 0 ? ` burst=${burst} nodelay` : ''};
			# not a bare return: that runs before limit_req (rewrite phase) and is never limited
			try_files /.no-such-file @app;
		}

		location @app {
${shed > 0 ? '\t\t\tif ($shed) { return 503; }\n' : ''}			${limitHeader}
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header X-Request-Id $request_id;
			proxy_pass http://app;
		}

		location @limited {
			${retryAfter === null ? '' : `add_header Retry-After ${retryAfter} always;`}
			${limitHeader}
			default_type application/json;
			return 429 '{"error":"rate limit exceeded"}';
		}
	}
}
`;
}

async function canConnect(port: number): Promise<boolean> {
	return await new Promise((resolve) => {
		const socket = net.connect({ host: '127.0.0.1', port });
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
		socket.setTimeout(1000, () => {
			socket.destroy();
			resolve(false);
		});
	});
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

function parseEntries(text: string): AccessEntry[] {
	const entries: AccessEntry[] = [];
	for (const line of text.split('\n')) {
		if (!line.trim()) continue;
		const raw = JSON.parse(line) as Omit<AccessEntry, 'time'> & { time: number };
		entries.push({ ...raw, time: Math.round(raw.time * 1000) });
	}
	return entries;
}

export function summarize(
	entries: AccessEntry[],
	itemOf: (entry: AccessEntry) => string = itemKey,
): VendorSummary {
	const acceptedPerItem = new Map<string, number>();
	let accepted = 0;
	let rateLimited = 0;
	let shed = 0;
	let otherStatus = 0;
	let first = Infinity;
	let last = -Infinity;
	for (const entry of entries) {
		if (entry.status >= 200 && entry.status < 300) {
			accepted++;
			const item = itemOf(entry);
			acceptedPerItem.set(item, (acceptedPerItem.get(item) ?? 0) + 1);
			first = Math.min(first, entry.time);
			last = Math.max(last, entry.time);
		} else if (entry.status === 429) rateLimited++;
		else if (entry.status === 503) shed++;
		else otherStatus++;
	}
	const duplicatedItems = new Map([...acceptedPerItem].filter(([, times]) => times > 1));
	return {
		requests: entries.length,
		accepted,
		acceptedItems: acceptedPerItem.size,
		duplicates: accepted - acceptedPerItem.size,
		duplicatedItems,
		rateLimited,
		shed,
		otherStatus,
		acceptedPerItem,
		firstAcceptedAt: accepted ? first : NaN,
		lastAcceptedAt: accepted ? last : NaN,
		acceptedPerSecond:
			accepted >= 2 && last > first ? ((accepted - 1) * 1000) / (last - first) : NaN,
	};
}

export function maxInWindow(times: number[], windowMs: number): number {
	const sorted = [...times].sort((a, b) => a - b);
	let best = 0;
	let start = 0;
	for (let end = 0; end < sorted.length; end++) {
		while (sorted[end] - sorted[start] >= windowMs) start++;
		best = Math.max(best, end - start + 1);
	}
	return best;
}

/** Starts the vendor. Always pair with `await vendor.stop()` (in `after()` / `finally`). */
export async function startVendor(options: VendorOptions): Promise<Vendor> {
	checkOptions(options);
	if (!existsSync(NGINX_BIN)) {
		throw new Error(
			`${NGINX_BIN} is missing: install Debian's nginx (\`bash scripts/ensure-system.sh\`, or \`apt-get install -y nginx-light\`), or set NGINX_BIN`,
		);
	}
	installExitHooks();
	const prefix = mkdtempSync(path.join(os.tmpdir(), 'guards-vendor-'));
	for (const folder of ['logs', 'temp', 'html'])
		mkdirSync(path.join(prefix, folder), { recursive: true });
	const app = await startApp();
	const appPort = (app.address() as AddressInfo).port;
	const accessLog = path.join(prefix, 'logs', 'access.log');
	const errorLog = path.join(prefix, 'logs', 'error.log');
	const errorLogTail = (lines = 30): string => {
		try {
			return readFileSync(errorLog, 'utf8').split('\n').slice(-lines).join('\n');
		} catch {
			return '';
		}
	};

	let child: ChildProcess | undefined;
	let port = 0;
	let exited: string | undefined;
	let output = '';
	const cleanup = (): void => {
		app.close();
		app.closeAllConnections();
		if (process.env.N8N_GUARDS_KEEP !== '1') rmSync(prefix, { recursive: true, force: true });
	};
	try {
		for (let attempt = 1; ; attempt++) {
			port = await freeLoopbackPort();
			const conf = path.join(prefix, 'nginx.conf');
			writeFileSync(conf, nginxConf(prefix, port, appPort, options));
			exited = undefined;
			output = '';
			const launched = spawn(
				NGINX_BIN,
				['-p', prefix + path.sep, '-c', conf, '-e', errorLog, '-g', 'daemon off;'],
				{
					cwd: prefix,
					detached: true, // its own process group: master + worker are killed together
					stdio: ['ignore', 'pipe', 'pipe'],
				},
			);
			child = launched;
			running.add(launched);
			launched.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
			launched.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
			launched.once('error', (error) => (exited = `could not start: ${error.message}`));
			launched.once('exit', (code, signal) => {
				exited = `exit ${code ?? signal}`;
				running.delete(launched);
			});
			const deadline = Date.now() + START_TIMEOUT_MS;
			while (exited === undefined && Date.now() < deadline && !(await canConnect(port)))
				await sleep(50);
			if (exited === undefined && (await canConnect(port))) break;
			killGroup(launched, 'SIGKILL');
			running.delete(launched);
			const why = `${output}\n${errorLogTail()}`;
			if (attempt < 3 && /Address already in use/.test(why)) continue; // the port was taken in between
			throw new Error(
				`nginx did not start on 127.0.0.1:${port} within ${START_TIMEOUT_MS / 1000} s (${exited ?? 'still not listening'}):\n${why.trim()}`,
			);
		}
	} catch (error) {
		cleanup();
		throw error;
	}
	const nginx = child as ChildProcess;

	let stopped = false;
	const stop = async (): Promise<void> => {
		if (stopped) return;
		stopped = true;
		if (exited === undefined) {
			killGroup(nginx, 'SIGQUIT'); // graceful: finishes logging the requests in flight
			const deadline = Date.now() + STOP_TIMEOUT_MS;
			while (exited === undefined && Date.now() < deadline) await sleep(25);
		}
		// the worker may outlive the master for a moment; a process group id is not reused while a member lives
		killGroup(nginx, 'SIGKILL');
		running.delete(nginx);
		cleanup();
	};

	const entries = (): AccessEntry[] =>
		existsSync(accessLog) ? parseEntries(readFileSync(accessLog, 'utf8')) : [];
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		pid: nginx.pid as number,
		prefix,
		accessLog,
		options: {
			rate: options.rate,
			per: options.per ?? 'second',
			burst: options.burst ?? 0,
			shedPercent: options.shedPercent ?? 0,
			retryAfterSeconds: options.retryAfterSeconds === undefined ? 1 : options.retryAfterSeconds,
			advertiseLimit: options.advertiseLimit,
			logBodies: options.logBodies ?? true,
		},
		entries,
		summary: (list = entries(), itemOf = itemKey) => summarize(list, itemOf),
		maxAcceptedInWindow: (windowMs, list = entries()) =>
			maxInWindow(
				list
					.filter((entry) => entry.status >= 200 && entry.status < 300)
					.map((entry) => entry.time),
				windowMs,
			),
		errorLogTail,
		stop,
	};
}
