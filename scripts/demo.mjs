// `npm run demo`: this package in a real n8n on http://localhost:5678, with every example
// workflow imported, nothing to configure.
//
// 1. builds and packs the package (`npm pack`, whose prepack runs the build)
// 2. makes sure the pinned n8n is installed (scripts/n8n-runtime.mjs)
// 3. installs the tarball into <repo>/.n8n-demo/.n8n/nodes as a user would
// 4. starts `n8n start` in the foreground (Ctrl-C stops it), user folder <repo>/.n8n-demo
// 5. sets up the owner (or logs in as it on later runs) with the demo login printed below
// 6. imports every examples/*.json (same workflow ID on every run: updated, never
//    duplicated) and activates those with a Webhook trigger unless the JSON says
//    "active": false ("active": true activates any workflow)
// 7. prints the Guards Status page's URL and the header it needs (a Header Auth
//    credential the demo creates once, its value kept in <repo>/.n8n-demo)
//
// Environment: N8N_DEMO_PORT (default 5678), N8N_LISTEN_ADDRESS (default 127.0.0.1),
// N8N_LOG_LEVEL (default info), N8N_GUARDS_CACHE (see n8n-runtime.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ensureN8n, runtimeEnv } from './n8n-runtime.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const demoFolder = path.join(root, '.n8n-demo');
const examplesFolder = path.join(root, 'examples');
const port = Number(process.env.N8N_DEMO_PORT ?? 5678);
const listenAddress = process.env.N8N_LISTEN_ADDRESS ?? '127.0.0.1';
const baseUrl = `http://127.0.0.1:${port}`;
const publicUrl = `http://localhost:${port}`;
const READY_TIMEOUT_MS = 180_000;
let readyIn = '?';
/** The header the Guards Status page asks for (n8n's Header Auth on its Webhook). */
const STATUS_HEADER = 'X-Guards-Status-Token';

export const DEMO_OWNER = {
	email: 'demo@example.com',
	firstName: 'Demo',
	lastName: 'Owner',
	password: 'Guards-Demo-2026',
};

function log(message) {
	process.stdout.write(`[demo] ${message}\n`);
}

function seconds(since) {
	return ((Date.now() - since) / 1000).toFixed(1);
}

function fail(message) {
	process.stderr.write(`[demo] ${message}\n`);
	process.exit(1);
}

function sleep(ms) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

function portIsFree(candidate, host = '127.0.0.1') {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen(candidate, host, () => server.close(() => resolve(true)));
	});
}

async function freePort() {
	return await new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port: found } = server.address();
			server.close(() => resolve(found));
		});
	});
}

/** Runs a command to completion (bounded), output shown only when it fails. */
function runQuiet(command, args, options) {
	const result = spawnSync(command, args, {
		encoding: 'utf8',
		timeout: options.timeoutMs,
		cwd: options.cwd,
		env: options.env,
	});
	if (result.status !== 0) {
		fail(
			`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal ?? result.error?.message}) in ${options.cwd}:\n${(result.stderr ?? '') + (result.stdout ?? '')}`,
		);
	}
	return result.stdout;
}

// ---------------------------------------------------------------------------------------

const runtime = await ensureN8n();
const npmEnv = runtimeEnv(runtime);

// 1. build + pack
let started = Date.now();
const packFolder = path.join(demoFolder, 'package');
rmSync(packFolder, { recursive: true, force: true });
mkdirSync(packFolder, { recursive: true });
log('building and packing the package (npm pack)…');
// (the build's output shares stdout with npm's, so look for the tarball instead of parsing it)
runQuiet('npm', ['pack', '--pack-destination', packFolder, '--loglevel=warn'], {
	cwd: root,
	env: npmEnv,
	timeoutMs: 10 * 60_000,
});
const tarballName = readdirSync(packFolder).find((name) => name.endsWith('.tgz'));
if (!tarballName) fail(`npm pack wrote no tarball into ${packFolder}`);
const tarball = path.join(packFolder, tarballName);
log(`packed ${tarballName} in ${seconds(started)} s`);

// 2. install into the demo user folder
started = Date.now();
const nodesFolder = path.join(demoFolder, '.n8n', 'nodes');
mkdirSync(nodesFolder, { recursive: true });
if (!existsSync(path.join(nodesFolder, 'package.json'))) {
	// the manifest n8n itself writes there when it installs community packages
	writeFileSync(
		path.join(nodesFolder, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2) + '\n',
	);
}
// a fresh copy every run, even when the version number did not change
rmSync(path.join(nodesFolder, 'node_modules', pkg.name), { recursive: true, force: true });
runQuiet(
	'npm',
	[
		'install',
		'--omit=dev',
		'--omit=peer',
		'--prefer-offline',
		'--no-audit',
		'--no-fund',
		'--loglevel=warn',
		tarball,
	],
	{
		cwd: nodesFolder,
		env: npmEnv,
		timeoutMs: 5 * 60_000,
	},
);
log(`installed into ${path.relative(root, nodesFolder)} in ${seconds(started)} s`);

// 3. start n8n in the foreground
if (!(await portIsFree(port))) {
	fail(
		`port ${port} is in use (another n8n?). Stop it, or choose another port: N8N_DEMO_PORT=5690 npm run demo`,
	);
}
const brokerPort = (await portIsFree(5679)) && port !== 5679 ? 5679 : await freePort();
const env = runtimeEnv(runtime, {
	...process.env,
	N8N_USER_FOLDER: demoFolder,
	N8N_PORT: String(port),
	N8N_LISTEN_ADDRESS: listenAddress,
	N8N_HOST: 'localhost',
	N8N_PROTOCOL: 'http',
	WEBHOOK_URL: `${publicUrl}/`,
	N8N_EDITOR_BASE_URL: `${publicUrl}/`,
	N8N_RUNNERS_BROKER_PORT: String(brokerPort),
	N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
	N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL ?? 'info',
	N8N_DIAGNOSTICS_ENABLED: 'false',
	N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
	N8N_TEMPLATES_ENABLED: 'false',
	N8N_PERSONALIZATION_ENABLED: 'false',
	N8N_HIRING_BANNER_ENABLED: 'false',
	N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
	N8N_VERIFIED_PACKAGES_ENABLED: 'false',
	N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
	N8N_SECURE_COOKIE: 'false',
	EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS: 'true',
});
started = Date.now();
log(
	`starting n8n ${runtime.n8nVersion} (Node ${runtime.nodeVersion}), user folder ${path.relative(root, demoFolder)}…`,
);
// Its own process group (detached), so a Ctrl-C in the terminal reaches only this script,
// which passes it on exactly once (n8n treats a second SIGINT as "die now").
const child = spawn(runtime.nodeBin, [runtime.n8nBin, 'start'], {
	cwd: demoFolder,
	env,
	stdio: ['ignore', 'inherit', 'inherit'],
	detached: true,
});
let exited = false;
const childExit = new Promise((resolve) => {
	child.once('exit', (code, signal) => {
		exited = true;
		resolve(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1));
	});
});
/** SIGKILL for n8n and the task runner it spawned (its process group, led by n8n's PID). */
const killGroup = () => {
	try {
		process.kill(-child.pid, 'SIGKILL');
	} catch {
		// already gone
	}
};
// If this script dies some other way, do not leave n8n behind.
process.once('exit', () => {
	if (!exited) killGroup();
});
let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
	process.on(signal, () => {
		interrupts += 1;
		if (exited) return;
		if (interrupts === 1) {
			log('stopping n8n… (Ctrl-C again to kill it)');
			child.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal);
		} else {
			killGroup();
		}
	});
}

try {
	await waitReady();
	try {
		await setUp();
	} catch (error) {
		// n8n runs; only the demo content is incomplete: say so and keep it running
		process.stderr.write(
			`[demo] n8n is running on ${publicUrl}, but setting up the demo failed: ${error instanceof Error ? error.message : String(error)}\n`,
		);
	}
} catch (error) {
	process.stderr.write(`[demo] ${error instanceof Error ? error.message : String(error)}\n`);
	if (!exited) child.kill('SIGTERM');
}
process.exitCode = await childExit;

// ---------------------------------------------------------------------------------------

/** Bounded wait: HTTP up (/healthz), database migrated (/healthz/readiness), REST mounted (/rest/settings). */
async function waitReady() {
	const deadline = Date.now() + READY_TIMEOUT_MS;
	for (const probe of ['/healthz', '/healthz/readiness', '/rest/settings']) {
		for (;;) {
			if (exited) throw new Error('n8n stopped during start-up (see its log above)');
			try {
				const response = await fetch(baseUrl + probe, { signal: AbortSignal.timeout(5000) });
				await response.arrayBuffer();
				if (response.ok) break;
			} catch {
				// not yet
			}
			if (Date.now() > deadline)
				throw new Error(`n8n did not answer ${probe} within ${READY_TIMEOUT_MS / 1000} s`);
			await sleep(250);
		}
	}
	readyIn = seconds(started);
}

async function setUp() {
	const client = await ownerClient();
	try {
		client.demoCredentials = await demoCredentials(client);
	} catch (error) {
		log(
			`could not create the demo's n8n API credential (the Credential Expiry Check example needs one): ${error instanceof Error ? error.message : String(error)}`,
		);
		client.demoCredentials = {};
	}
	try {
		const page = await statusPageCredential(client);
		client.demoCredentials = { ...client.demoCredentials, ...page.credentials };
		client.statusPage = page.header;
	} catch (error) {
		log(
			`could not create the Header Auth credential of the Guards Status page: ${error instanceof Error ? error.message : String(error)}`,
		);
	}
	const imported = [];
	for (const file of existsSync(examplesFolder)
		? readdirSync(examplesFolder)
				.filter((name) => name.endsWith('.json'))
				.sort()
		: []) {
		if (interrupts > 0 || exited) return; // stopping: no summary
		try {
			imported.push(await importExample(client, path.join(examplesFolder, file)));
		} catch (error) {
			imported.push({ file, error: error instanceof Error ? error.message : String(error) });
		}
	}
	if (interrupts > 0 || exited) return;
	printSummary(readyIn, client.ownerNote, imported, client.statusPage);
}

/** Sets up the owner on a fresh instance, logs in on an existing one; returns an API client. */
async function ownerClient() {
	let cookie = '';
	const request = async (method, urlPath, body) =>
		await fetch(baseUrl + urlPath, {
			method,
			headers: {
				'browser-id': 'integration-guards-demo',
				...(cookie ? { cookie } : {}),
				...(body === undefined ? {} : { 'content-type': 'application/json' }),
			},
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(60_000),
		});
	let ownerNote = 'created';
	let response = await request('POST', '/rest/owner/setup', DEMO_OWNER);
	if (!response.ok) {
		await response.arrayBuffer();
		ownerNote = 'kept';
		response = await request('POST', '/rest/login', {
			emailOrLdapLoginId: DEMO_OWNER.email,
			password: DEMO_OWNER.password,
		});
	}
	if (!response.ok) {
		throw new Error(
			`the owner exists but the demo login no longer works (${response.status}). Log in with your own password, or delete ${demoFolder} to start over.`,
		);
	}
	await response.arrayBuffer();
	cookie = (
		response.headers.getSetCookie().find((value) => value.startsWith('n8n-auth=')) ?? ''
	).split(';')[0];
	const api = async (method, urlPath, body) => {
		const answer = await request(method, urlPath, body);
		const text = await answer.text();
		if (!answer.ok) {
			const error = new Error(`${method} ${urlPath} → ${answer.status}: ${text.slice(0, 500)}`);
			error.status = answer.status;
			throw error;
		}
		const parsed = text ? JSON.parse(text) : {};
		return parsed && typeof parsed === 'object' && 'data' in parsed ? parsed.data : parsed;
	};
	return { api, request, ownerNote };
}

/**
 * The credentials the examples need that the demo can make itself: an n8n API credential
 * for the Credential Expiry Check example, with an API key of this demo instance (created
 * once per port, as Settings → n8n API does, and kept across restarts). Returns them by type.
 */
async function demoCredentials({ api }) {
	// Named by port: the credential holds this instance's URL, so a demo started on another
	// port (N8N_DEMO_PORT) makes one of its own instead of reusing one that points elsewhere.
	const name =
		port === 5678 ? 'This n8n (demo API key)' : `This n8n on port ${port} (demo API key)`;
	const type = 'integrationGuardsN8nApi';
	const existing = (await api('GET', '/rest/credentials')).find(
		(credential) => credential.type === type && credential.name === name,
	);
	if (existing) return { [type]: { id: existing.id, name } };
	const key = await api('POST', '/rest/api-keys', {
		label: 'Integration Guards demo',
		scopes: ['credential:list', 'credential:read'],
		expiresAt: null,
	});
	const created = await api('POST', '/rest/credentials', {
		name,
		type,
		data: { baseUrl, apiKey: key.rawApiKey },
	});
	return { [type]: { id: created.id, name } };
}

/**
 * The Header Auth credential of the Guards Status example: created once, its value kept in
 * the demo folder (readable by this user only) so that every run can print it. A value
 * lost from the folder is replaced in the credential.
 */
async function statusPageCredential({ api }) {
	const name = 'Guards Status page (demo)';
	const type = 'httpHeaderAuth';
	const tokenFile = path.join(demoFolder, 'guards-status-token');
	let value = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : '';
	const fresh = value === '';
	if (fresh) value = randomBytes(24).toString('base64url');
	const data = { name: STATUS_HEADER, value };
	const existing = (await api('GET', '/rest/credentials')).find(
		(credential) => credential.type === type && credential.name === name,
	);
	let id = existing?.id;
	if (!existing) id = (await api('POST', '/rest/credentials', { name, type, data })).id;
	else if (fresh) await api('PATCH', `/rest/credentials/${id}`, { name, type, data });
	if (fresh) writeFileSync(tokenFile, value + '\n', { mode: 0o600 });
	return { credentials: { [type]: { id, name } }, header: { name: STATUS_HEADER, value } };
}

/** The example's nodes, with placeholder credentials replaced by the demo's own where it has one. */
function withDemoCredentials(nodes, demo = {}) {
	return nodes.map((node) => {
		if (!node.credentials) return node;
		const credentials = Object.fromEntries(
			Object.entries(node.credentials).map(([type, reference]) => [
				type,
				String(reference?.id ?? '').startsWith('REPLACE_WITH') && demo[type]
					? demo[type]
					: reference,
			]),
		);
		return { ...node, credentials };
	});
}

/** The workflow ID of an example: its own `id` if it has a usable one, else one derived from the file name. */
function exampleId(json, file) {
	if (typeof json.id === 'string' && /^[A-Za-z0-9]{1,21}$/.test(json.id)) return json.id;
	return 'guards' + createHash('sha256').update(path.basename(file)).digest('hex').slice(0, 10);
}

async function importExample({ api, request, demoCredentials: demo }, file) {
	const json = JSON.parse(readFileSync(file, 'utf8'));
	if (!Array.isArray(json.nodes) || typeof json.connections !== 'object')
		throw new Error('not a workflow (no nodes/connections)');
	const id = exampleId(json, file);
	const body = {
		name: json.name ?? path.basename(file, '.json'),
		nodes: withDemoCredentials(json.nodes, demo),
		connections: json.connections,
		settings: json.settings ?? { executionOrder: 'v1' },
		pinData: json.pinData ?? {},
		...(json.description === undefined ? {} : { description: json.description }),
		...(json.meta === undefined ? {} : { meta: json.meta }),
	};
	const { exists } = await api('GET', `/rest/workflows/${id}/exists`);
	const existing = exists ? await api('GET', `/rest/workflows/${id}`) : undefined;
	let action;
	if (existing) {
		if (existing.isArchived) await api('POST', `/rest/workflows/${id}/unarchive`);
		await api('PATCH', `/rest/workflows/${id}`, body);
		action = 'updated';
	} else {
		await api('POST', '/rest/workflows', { ...body, id });
		action = 'imported';
	}
	const webhooks = json.nodes
		.filter((node) => node.type === 'n8n-nodes-base.webhook' && !node.disabled)
		.map((node) => ({ method: node.parameters?.httpMethod ?? 'GET', path: node.parameters?.path }));
	const shouldBeActive = json.active === true || (json.active !== false && webhooks.length > 0);
	let active = false;
	if (shouldBeActive) {
		const current = await api('GET', `/rest/workflows/${id}`);
		if (current.activeVersionId !== current.versionId || !current.active) {
			await api('POST', `/rest/workflows/${id}/activate`, { versionId: current.versionId });
		}
		await waitPublished(request, id, current.versionId);
		active = true;
	} else if (existing?.active) {
		await api('POST', `/rest/workflows/${id}/deactivate`, {});
	}
	return { file: path.basename(file), id, name: body.name, action, active, webhooks };
}

/** n8n 2.x activates through an outbox: wait until the triggers of this version are live. */
async function waitPublished(request, id, versionId) {
	const deadline = Date.now() + 60_000;
	let last;
	while (Date.now() < deadline) {
		const response = await request('GET', `/rest/workflows/${id}/publication-status`);
		if (response.status === 404) {
			await response.arrayBuffer();
			return;
		}
		last = (await response.json()).data;
		if (last.status === 'published' && last.liveVersionId === versionId) return;
		if (last.status === 'failed' || last.status === 'partial') {
			throw new Error(
				`activation ${last.status}: ${last.triggers
					.map((trigger) => trigger.errorMessage)
					.filter(Boolean)
					.join('; ')}`,
			);
		}
		await sleep(200);
	}
	throw new Error(`not published after 60 s (last status ${JSON.stringify(last)})`);
}

function printSummary(readyIn, ownerNote, imported, statusPage) {
	const lines = [
		'',
		'='.repeat(78),
		`  n8n ${runtime.n8nVersion} with ${pkg.name} ${pkg.version} is running (ready in ${readyIn} s)`,
		'',
		`  Open:      ${publicUrl}`,
		`  Log in:    ${DEMO_OWNER.email}  /  ${DEMO_OWNER.password}   (owner ${ownerNote})`,
		`  Data:      ${demoFolder}  (delete it to start from scratch)`,
		'',
		imported.length ? '  Example workflows:' : `  No example workflows in ${examplesFolder}.`,
	];
	for (const example of imported) {
		if (example.error) {
			lines.push(`    ✗ ${example.file}: ${example.error}`);
			continue;
		}
		lines.push(`    • ${example.name}  [${example.action}${example.active ? ', active' : ''}]`);
		lines.push(`      ${publicUrl}/workflow/${example.id}`);
		for (const webhook of example.webhooks) {
			if (example.active && webhook.path)
				lines.push(`      ${webhook.method} ${publicUrl}/webhook/${webhook.path}`);
		}
	}
	const page = imported.find((example) => example.file === 'guards-status.json' && example.active);
	if (page && statusPage) {
		const url = `${publicUrl}/webhook/${page.webhooks[0]?.path ?? 'guards-status'}`;
		lines.push(
			'',
			'  Guards Status page (every guard in the embedded store):',
			`    ${url}`,
			`    send the header  ${statusPage.name}: ${statusPage.value}`,
			`    e.g. curl -H '${statusPage.name}: ${statusPage.value}' ${url}`,
		);
	}
	lines.push('', '  Ctrl-C stops n8n.', '='.repeat(78), '');
	process.stdout.write(lines.join('\n') + '\n');
}
