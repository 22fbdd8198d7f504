// The Guards Status page in a real browser: a real n8n 2.40.7 with the package installed
// from its tarball runs the shipped examples (Schema Guard, Circuit Breaker) and a
// workflow that plants `<script>` in a breaker name and a dead letter's payload (and
// leaves a credential expiry alert, a credential checked that does not alert yet, and an
// Embedded limiter with a learned limit, recorded in the store); then the
// shipped examples/guards-status.json (Webhook with n8n's Header Auth → Guards Status →
// Respond to Webhook) serves the page, opened in headless Chromium. The figures on the
// page are checked against the embedded store, read directly; the planted scripts must
// show as text and never run. A screenshot goes to docs/images/guards-status.png.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import { asBreakerState } from '../../nodes/shared/core/breaker/state';
import { breakerStats } from '../../nodes/shared/core/breaker/stats';
import { asLimiterRecord, type LimiterRecord } from '../../nodes/shared/core/ratelimit/learned';
import { embeddedStoreFile } from '../../nodes/shared/n8n/store';
import { SqliteStore } from '../../nodes/shared/stores/sqlite';
import type { ScanKind, ScanPage, ScannedEntry, Store } from '../../nodes/shared/stores/types';
import { launchChromium, type Browser, type Page } from './editor-support';
import { repoRoot, startN8n, type N8nInstance, type WorkflowJson } from './harness';

const HOSTILE = '<script>window.pwned=1</script>';
const SCOPE = 'status-e2e';
const HEADER = 'X-Guards-Status-Token';
const TOKEN = 'status-e2e-token-7f3c9a';
/** The register entry Credential Expiry Check reports: 3 days from the start of the test, whole seconds. */
const XERO_EXPIRES_AT = Math.floor(Date.now() / 1000) * 1000 + 3 * 86_400_000;
/** A register entry checked but far from expiry: listed all the same, after Xero. */
const STRIPE_EXPIRES_AT = Math.floor(Date.now() / 1000) * 1000 + 200 * 86_400_000;

function example(name: string): WorkflowJson {
	return JSON.parse(readFileSync(path.join(repoRoot(), 'examples', name), 'utf8')) as WorkflowJson;
}

/** Every entry a scan finds, page after page. */
async function scanAll(store: Store, prefix: string, kind: ScanKind): Promise<ScannedEntry[]> {
	const entries: ScannedEntry[] = [];
	let cursor: string | null = null;
	do {
		const page: ScanPage = await store.scan!(prefix, { kind, limit: 1000, cursor });
		entries.push(...page.entries);
		cursor = page.cursor;
	} while (cursor !== null);
	return entries;
}

/** Manual trigger → three failed calls carrying `<script>` → a breaker named `<script>` and a dead-letter queue. */
function plantedWorkflow(): WorkflowJson {
	const rows = [1, 2, 3].map((n) => ({
		n,
		payload: HOSTILE,
		model: 'gpt-4o-mini',
		usage: { prompt_tokens: 200_000 * n, completion_tokens: 20_000 },
		error: { message: `401 Unauthorized ${HOSTILE}`, httpCode: '401' },
	}));
	const node = (
		name: string,
		type: string,
		typeVersion: number,
		x: number,
		parameters: IDataObject,
	) => ({
		id: `planted-${name.toLowerCase().replace(/\W+/g, '-')}`,
		name,
		type,
		typeVersion,
		position: [x, 0] as [number, number],
		parameters,
	});
	return {
		name: 'Guards Status: planted script',
		nodes: [
			node('Start', 'n8n-nodes-base.manualTrigger', 1, 0, {}),
			node('Rows', 'n8n-nodes-base.set', 3.4, 200, {
				mode: 'raw',
				jsonOutput: JSON.stringify({ rows }),
				options: {},
			}),
			node('Split', 'n8n-nodes-base.splitOut', 1, 400, { fieldToSplitOut: 'rows', options: {} }),
			node('Breaker', 'n8n-nodes-integration-guards.circuitBreaker', 1, 600, {
				operation: 'record',
				scope: SCOPE,
				breakerName: HOSTILE,
				outcomeFrom: 'field',
				outcomeField: 'error',
				minimumCalls: 2,
				options: {},
			}),
			node('Capture', 'n8n-nodes-integration-guards.deadLetter', 2, 600, {
				operation: 'capture',
				scope: SCOPE,
			}),
			node('Quota', 'n8n-nodes-integration-guards.rateLimiter', 2, 600, {
				operation: 'quota',
				scope: SCOPE,
				quotaName: 'vendor-api',
				quota: 4,
				period: 'day',
				timeZone: 'UTC',
				thresholds: '50',
			}),
			node('Check Budget', 'n8n-nodes-integration-guards.costGuard', 1, 600, {
				operation: 'checkBudget',
				scope: SCOPE,
				budgetName: 'llm',
				limits: { dailyLimit: '1' },
				estimate: 'fixed',
				estimatedCost: '0.0001',
				options: { timeZone: 'UTC' },
			}),
			node('Record Usage', 'n8n-nodes-integration-guards.costGuard', 1, 800, {
				operation: 'recordUsage',
				scope: SCOPE,
				budgetName: 'llm',
				usageFormat: 'openaiChat',
				model: '',
				options: { timeZone: 'UTC' },
			}),
			// Credential Expiry Check remembers its alert: Guards Status names what expires next.
			node('Expiry', 'n8n-nodes-integration-guards.credentialExpiryCheck', 1, 200, {
				sources: ['register'],
				registerSource: 'parameter',
				register: {
					entries: [
						{ name: 'Xero token', expiresAt: new Date(XERO_EXPIRES_AT).toISOString() },
						{ name: 'Stripe key', expiresAt: new Date(STRIPE_EXPIRES_AT).toISOString() },
					],
				},
				alertMemory: true,
				scope: SCOPE,
				options: { leadDays: 7 },
			}),
			// An Embedded limiter in this n8n process: a slot taken, then a 429 that says the
			// vendor allows 100 and asks for 2 minutes (a learned limit and a hold, in memory).
			node('Vendor 429', 'n8n-nodes-base.set', 3.4, 200, {
				mode: 'raw',
				jsonOutput: JSON.stringify({
					statusCode: 429,
					headers: {
						'retry-after': '120',
						'x-ratelimit-limit': '100',
						'x-ratelimit-remaining': '0',
					},
				}),
				options: {},
			}),
			node('Slot', 'n8n-nodes-integration-guards.rateLimiter', 2, 400, {
				operation: 'waitForSlot',
				scope: SCOPE,
				limiterName: 'hubspot',
				limit: 10,
				per: 'second',
			}),
			node('Learn', 'n8n-nodes-integration-guards.rateLimiter', 2, 600, {
				operation: 'learnFromResponse',
				scope: SCOPE,
				limiterName: 'hubspot',
				limit: 10,
				per: 'second',
			}),
		],
		connections: {
			Start: {
				main: [
					[
						{ node: 'Rows', type: 'main', index: 0 },
						{ node: 'Expiry', type: 'main', index: 0 },
						{ node: 'Vendor 429', type: 'main', index: 0 },
					],
				],
			},
			'Vendor 429': { main: [[{ node: 'Slot', type: 'main', index: 0 }]] },
			Slot: { main: [[{ node: 'Learn', type: 'main', index: 0 }]] },
			Rows: { main: [[{ node: 'Split', type: 'main', index: 0 }]] },
			Split: {
				main: [
					[
						{ node: 'Breaker', type: 'main', index: 0 },
						{ node: 'Capture', type: 'main', index: 0 },
						{ node: 'Quota', type: 'main', index: 0 },
						{ node: 'Check Budget', type: 'main', index: 0 },
					],
				],
			},
			'Check Budget': { main: [[{ node: 'Record Usage', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	} as unknown as WorkflowJson;
}

/** A CRM stand-in that fails: the Circuit Breaker example opens its breaker on it. */
async function failingCrm(): Promise<{ server: Server; url: string }> {
	const server = createServer((_request, response) => {
		response.writeHead(503, { 'content-type': 'application/json' });
		response.end('{"error":"unavailable"}');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/crm/contacts` };
}

type PageWithHeaders = Page & {
	setExtraHTTPHeaders(headers: Record<string, string>): Promise<void>;
	setViewportSize(size: { width: number; height: number }): Promise<void>;
};

describe('Guards Status page in a browser', { timeout: 600_000 }, () => {
	let n8n: N8nInstance;
	let browser: Browser | undefined;
	let crm: { server: Server; url: string } | undefined;

	before(async () => {
		n8n = await startN8n();
	});

	after(async () => {
		await browser?.close();
		crm?.server.close();
		await n8n?.stop();
	});

	it('shows the figures the store holds, planted scripts as text, and never runs them', async () => {
		// 1. The examples run, as a user would run them.
		const schemaExample = example('schema-guard.json');
		const body = (
			(schemaExample.pinData as IDataObject)['Contacts Received'] as Array<{ json: IDataObject }>
		)[0].json.body;
		delete schemaExample.pinData;
		const schemaWorkflow = await n8n.importWorkflow(schemaExample);
		await n8n.activate(schemaWorkflow.id);
		assert.ok((await n8n.runWebhook('demo-contacts', body)).execution);

		crm = await failingCrm();
		const breakerExample = example('circuit-breaker.json');
		for (const node of breakerExample.nodes) {
			const parameters = node.parameters as IDataObject;
			if (node.name === 'Call CRM') parameters.url = crm.url;
			if (node.name === 'Record CRM Call') Object.assign(parameters, { minimumCalls: 2 });
		}
		const breakerWorkflow = await n8n.importWorkflow(breakerExample);
		for (let run = 0; run < 2; run++)
			await n8n.executeById(breakerWorkflow.id, { triggerNode: 'Sync Contacts' });

		const planted = await n8n.importWorkflow(plantedWorkflow());
		const plantedRun = await n8n.executeById(planted.id);
		assert.equal(
			plantedRun.status,
			'success',
			JSON.stringify(plantedRun.node('Breaker').error ?? ''),
		);

		// 2. The status page example, its Header Auth credential made here.
		const credential = await n8n.createCredential('httpHeaderAuth', 'Guards Status page', {
			name: HEADER,
			value: TOKEN,
		});
		const statusExample = example('guards-status.json');
		for (const node of statusExample.nodes) {
			const credentials = node.credentials as
				| Record<string, { id: string; name: string }>
				| undefined;
			if (credentials?.httpHeaderAuth)
				credentials.httpHeaderAuth = { id: credential.id, name: credential.name };
		}
		const statusWorkflow = await n8n.importWorkflow(statusExample);
		await n8n.activate(statusWorkflow.id);
		const url = `${n8n.baseUrl}/webhook/guards-status`;
		const refused = await fetch(url);
		assert.equal(refused.status, 403, 'no page without the header');
		const direct = await fetch(url, { headers: { [HEADER]: TOKEN } });
		assert.equal(direct.status, 200);
		assert.match(String(direct.headers.get('content-type')), /^text\/html/);
		await direct.arrayBuffer();

		// Learn From Response wrote the learned limit into the limiter's record in the
		// Embedded file before it returned.
		const recordStore = new SqliteStore({
			backend: 'sqlite',
			file: embeddedStoreFile(path.join(n8n.userFolder, '.n8n', 'storage', 'x')),
		});
		let limiterRecord: LimiterRecord | undefined;
		try {
			const records = await scanAll(recordStore, `ratelimit:${SCOPE}`, 'records');
			assert.equal(records.length, 1, JSON.stringify(records));
			limiterRecord = asLimiterRecord(records[0].value);
		} finally {
			await recordStore.close();
		}
		assert.equal(limiterRecord?.learned?.limit, 100, JSON.stringify(limiterRecord));
		assert.deepEqual(limiterRecord.configured, {
			limit: 10,
			per: 'second',
			targetUtilization: 90,
			burst: 1,
		});

		// 3. The page in Chromium.
		browser = await launchChromium();
		const page = browser.page as PageWithHeaders;
		const errors: string[] = [];
		page.on('pageerror', (error) => errors.push(error.message));
		const requests: string[] = [];
		page.on('response', (response) => requests.push(response.url()));
		await page.setExtraHTTPHeaders({ [HEADER]: TOKEN });
		await page.setViewportSize({ width: 1280, height: 900 });
		const response = await page.goto(url, { waitUntil: 'load' });
		assert.equal(response?.status(), 200);
		await page.locator('#breakers').waitFor();

		// Nothing ran, nothing else loaded, the planted text is text.
		assert.equal(await page.evaluate<unknown>('window.pwned'), undefined);
		assert.equal(await page.evaluate<number>('document.scripts.length'), 0);
		assert.deepEqual(requests, [url], 'the page loads nothing else');
		assert.deepEqual(errors, []);
		const names = await page.evaluate<string[]>(
			`[...document.querySelectorAll('#breakers .name')].map((e) => e.textContent)`,
		);
		assert.ok(names.includes(HOSTILE), names.join(' | '));
		const pageText = await page.locator('body').innerText();
		assert.ok(
			!pageText.includes('401 Unauthorized'),
			'no dead letter payload or error text on the page',
		);
		// The header names the store's kind, never the file's path on the n8n host.
		const meta = await page.locator('header .meta').innerText();
		assert.match(meta, /^Embedded \(SQLite, in the n8n user folder\) · every scope/);
		assert.ok(!pageText.includes(n8n.userFolder) && !pageText.includes('.sqlite'), meta);

		// 4. The figures, against the embedded store read directly.
		const store = new SqliteStore({
			backend: 'sqlite',
			file: embeddedStoreFile(path.join(n8n.userFolder, '.n8n', 'storage', 'x')),
		});
		try {
			const rows = await page.evaluate<
				Array<{ name: string; scope: string; state: string; rate: string }>
			>(
				`[...document.querySelectorAll('#breakers tbody > tr')].map((tr) => ({
					name: tr.querySelector('.name').textContent,
					scope: tr.querySelector('.scope').textContent,
					state: tr.querySelector('.badge').textContent,
					rate: tr.children[2].firstChild.textContent,
				}))`,
			);
			const breakers = await scanAll(store, 'breaker:', 'records');
			const expected = breakers
				.filter((entry) => entry.key.startsWith('breaker:'))
				.map((entry) => {
					const stats = breakerStats(asBreakerState(entry.value), Date.now());
					return {
						name: entry.key.slice('breaker:'.length),
						scope: entry.namespace.slice('breaker:'.length),
						state: stats.status,
						rate: stats.failureRatePercent === null ? '–' : `${stats.failureRatePercent}%`,
					};
				});
			assert.deepEqual(
				[...rows].sort((a, b) => a.name.localeCompare(b.name)),
				[...expected].sort((a, b) => a.name.localeCompare(b.name)),
			);
			assert.deepEqual(
				rows.map((row) => row.state).sort(),
				['open', 'open'],
				'the example breaker and the planted one are open',
			);
			// Dead letters: the open count per queue.
			const stats = await store.queue!.stats(`deadletter:${SCOPE}`);
			const queues = await page.evaluate<Array<{ name: string; open: string }>>(
				`[...document.querySelectorAll('#dead-letters tbody > tr')].filter((tr) => tr.querySelector('.name')).map((tr) => ({
					name: tr.querySelector('.name').textContent,
					open: tr.children[1].firstChild.textContent,
				}))`,
			);
			assert.deepEqual(queues, [{ name: SCOPE, open: String(stats.pending + stats.leased) }]);
			assert.equal(stats.pending + stats.leased, 3);
			// Quota and budget: the counters as stored, against the rows.
			const quotaCounters = (await scanAll(store, `quota:${SCOPE}`, 'counters')).filter(
				(entry) => !entry.key.includes(':alerted:'),
			);
			assert.equal(quotaCounters.length, 1);
			assert.equal(quotaCounters[0].value, 3);
			const limitsTable = (first: string) =>
				`[...document.querySelectorAll('#limits table')].filter((t) => t.querySelector('th').textContent === '${first}').flatMap((t) => [...t.querySelectorAll('tbody > tr')])`;
			const quotaRows = await page.evaluate<
				Array<{ name: string; used: string; of: string; crossed: string }>
			>(
				`${limitsTable('Quota')}.map((tr) => ({
					name: tr.querySelector('.name').textContent,
					used: tr.children[2].firstChild.textContent,
					of: tr.children[2].querySelector('.scope').textContent,
					crossed: tr.children[3].firstChild.textContent,
				}))`,
			);
			// 3 of 4: 75 %, past the 50 % threshold (the limit as the Quota node recorded it).
			assert.deepEqual(quotaRows, [
				{
					name: 'vendor-api',
					used: String(quotaCounters[0].value),
					of: 'of 4 · 75%',
					crossed: '50%',
				},
			]);
			const spent = (await scanAll(store, `cost:${SCOPE}`, 'counters')).filter((entry) =>
				/^budget\/llm\/spent\/day\//.test(entry.key),
			);
			assert.equal(spent.length, 1);
			const spentText = await page.evaluate<string>(
				`[...document.querySelectorAll('#budgets tbody > tr')].find((tr) => tr.children[1].firstChild.textContent === 'day').children[2].firstChild.textContent`,
			);
			assert.equal(
				spentText,
				`${(Number(spent[0].value) / 1e9).toLocaleString('en-US', { maximumFractionDigits: 4 })} USD`,
			);
			// The Embedded limiter this n8n process holds (the Rate Limiter nodes ran in it):
			// its configured and learned limits from its record in the store, its tokens and
			// hold from the process's memory.
			const limiterRows = await page.evaluate<
				Array<{ name: string; where: string; configured: string; hold: string; learned: string }>
			>(
				`${limitsTable('Limiter')}.map((tr) => ({
					name: tr.querySelector('.name').textContent,
					where: tr.children[0].textContent,
					configured: tr.children[1].firstChild.textContent,
					hold: tr.children[3].textContent,
					learned: tr.children[4].textContent,
				}))`,
			);
			assert.equal(limiterRows.length, 1, JSON.stringify(limiterRows));
			assert.equal(limiterRows[0].name, 'hubspot');
			assert.ok(
				limiterRows[0].where.includes(SCOPE) && limiterRows[0].where.includes('this n8n process'),
			);
			assert.match(limiterRows[0].hold, /^held (1|2) min/);
			assert.equal(limiterRows[0].configured, '10 per second');
			assert.ok(
				limiterRows[0].learned.startsWith('100') &&
					limiterRows[0].learned.endsWith(
						`0 left · ${limiterRecord.learned.observedAt} · ${limiterRecord.learned.by}`,
					),
				limiterRows[0].learned,
			);
			// Credentials that expire next: the name and date the alert memory holds, and the
			// credential checked that has not alerted.
			const stored = await scanAll(store, `expiry:${SCOPE}`, 'records');
			const marks = stored.filter((entry) => !entry.key.startsWith('checked:'));
			assert.equal(marks.length, 1);
			assert.equal(stored.length - marks.length, 2, 'both credentials checked are recorded');
			const mark = marks[0].value as { name: string; expiresAt: number };
			assert.deepEqual([mark.name, mark.expiresAt], ['Xero token', XERO_EXPIRES_AT]);
			const expiryRows = await page.evaluate<Array<{ name: string; expires: string }>>(
				`[...document.querySelectorAll('#expiries tbody > tr')].map((tr) => ({
					name: tr.querySelector('.name').textContent,
					expires: tr.children[1].firstChild.textContent,
				}))`,
			);
			assert.deepEqual(expiryRows, [
				{ name: 'Xero token', expires: new Date(XERO_EXPIRES_AT).toISOString() },
				{ name: 'Stripe key', expires: new Date(STRIPE_EXPIRES_AT).toISOString() },
			]);
			// Drift: one row per marker Schema Guard remembers for the example's scope.
			const markers = (await scanAll(store, 'schema-drift:demo-contacts', 'counters')).filter(
				(entry) => entry.key.startsWith('drift:'),
			);
			assert.ok(markers.length > 0);
			const firstSeen = await page.evaluate<string[]>(
				`[...document.querySelectorAll('#drift tbody > tr')].map((tr) => tr.children[4].textContent)`,
			);
			assert.equal(firstSeen.length, markers.length);
			// When each was first seen, as the counter beside it holds it (no estimate).
			const sightings = await scanAll(store, 'schema-drift:demo-contacts', 'counters');
			assert.deepEqual(
				[...firstSeen].sort(),
				markers
					.map((marker) => sightings.find((entry) => entry.key === `first:${marker.key}`)!)
					.map((entry) => new Date(Number(entry.value)).toISOString())
					.sort(),
			);
		} finally {
			await store.close();
		}

		await page.screenshot({
			path: path.join(repoRoot(), 'docs', 'images', 'guards-status.png'),
			fullPage: true,
		});

		// A phone: the page itself does not scroll sideways (wide tables scroll in their box).
		await page.setViewportSize({ width: 390, height: 844 });
		await page.goto(url, { waitUntil: 'load' });
		const overflow = await page.evaluate<number>(
			'document.documentElement.scrollWidth - window.innerWidth',
		);
		assert.ok(overflow <= 1, `the page is ${overflow}px wider than a phone`);
		await page.screenshot({
			path: path.join(repoRoot(), 'docs', 'images', 'guards-status-phone.png'),
		});
	});
});
