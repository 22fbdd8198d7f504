// The editor, in a real browser: headless Chromium (the Debian package) driven by
// playwright-core against a real n8n 2.40.7 with the package installed from its tarball.
// Logs in through the sign-in form, opens a workflow that holds every node the package
// declares (package.json `n8n.nodes`, so a node added later is included by itself), and
// asserts that each node renders with its icon (the image loaded, its URL answered 200),
// that no node shows as unknown or not installed, that each node's panel opens, and that
// each credential type of the package opens in the credential dialog.
//
// Then, as a newcomer would (issue 22): types the words builders search for into the node
// creator and checks where our nodes rank (first for their own words); opens each node's
// Docs link, which must survive the tracking suffix n8n appends (no `#` anchor); and builds
// the Schema Guard and Idempotent Write workflows from the node creator through the panel
// only (Manual Trigger → a Code node with items → our node), runs them from the canvas and
// reads the outputs of the execution.
//
// Screenshots go to test-artifacts/editor/ (git-ignored) or $N8N_GUARDS_ARTIFACTS; the
// canvas and each node's panel are also written to docs/images/editor/ (the pictures the
// README and docs/nodes/*.md show), so every run regenerates them.
// Bounded: about 3-6 minutes after n8n is up; each step has its own time limit.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
	OWNER,
	PACKAGE_NAME,
	repoRoot,
	startN8n,
	type Execution,
	type N8nInstance,
	type WorkflowJson,
} from './harness';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';

import {
	addFromNodeCreator,
	artifactsDir,
	assertChromium,
	canvasNodeNames,
	chooseOption,
	closePanel,
	declaredFiles,
	fillCodeParameter,
	fillParameter,
	launchChromium,
	loadPlaywright,
	openNodeCreator,
	searchNodeCreator,
	slug,
	testId,
	workflowIdOf,
	type Browser,
	type Page,
	type PwResponse,
} from './editor-support';

/** One UI step (a click, a panel opening); generous: CI machines are shared and slow. */
const STEP_MS = 60_000;
/** Test time limits scale with what package.json declares, so the whole file stays bounded. */
const DECLARED = declaredFiles(repoRoot());
const PER_NODE_MS = 45_000;
/** Texts n8n shows for a node type it does not know (2.x canvas and panel). */
const NOT_INSTALLED = [
	/Install this node/i,
	/not currently installed/i,
	/is an unknown node type/i,
];

interface NodeTypeDescription {
	name: string;
	displayName: string;
	version: number | number[];
	group?: string[];
	defaults?: { name?: string };
	icon?: unknown;
	iconUrl?: string | { light?: string; dark?: string };
}

interface CredentialTypeDescription {
	name: string;
	displayName: string;
	properties?: Array<{ displayName: string; name: string; type: string; displayOptions?: unknown }>;
}

/** Where the README and docs/nodes/*.md take their editor pictures from. */
const DOCS_SHOTS = path.join(repoRoot(), 'docs', 'images', 'editor');

/**
 * Item 7 of issue 22: the words builders type, the node they mean and the rank it must
 * reach at worst (first for its own words). Where n8n has a node of that very name or
 * word, n8n ranks it first (its own nodes get a popularity bonus the search adds to
 * their score, up to 97 points, which no alias of a community node can match), so ours
 * comes right after the n8n nodes named in `after`.
 */
const SEARCH_TERMS: Array<{ term: string; node: string; rank: number; after?: string[] }> = [
	{ term: 'idempotent', node: 'Idempotent Write', rank: 1 },
	{ term: 'webhook twice', node: 'Idempotent Write', rank: 1 },
	{ term: 'dedupe', node: 'Idempotent Write', rank: 2, after: ['Remove Duplicates'] },
	{ term: 'duplicate', node: 'Idempotent Write', rank: 2, after: ['Remove Duplicates'] },
	{ term: 'rate limit', node: 'Rate Limiter', rank: 1 },
	{ term: 'throttle', node: 'Rate Limiter', rank: 1 },
	{ term: '429', node: 'Rate Limiter', rank: 1 },
	{ term: 'retry', node: 'Rate Limiter', rank: 1 },
	{ term: 'backoff', node: 'Rate Limiter', rank: 1 },
	{ term: 'circuit', node: 'Circuit Breaker', rank: 1 },
	{ term: 'fallback', node: 'Circuit Breaker', rank: 1 },
	{ term: 'dead letter', node: 'Dead Letter', rank: 1 },
	{ term: 'error queue', node: 'Dead Letter', rank: 1 },
	{ term: 'replay', node: 'Dead Letter', rank: 1 },
	{ term: 'schema', node: 'Schema Guard', rank: 1 },
	{ term: 'validate', node: 'Schema Guard', rank: 1 },
	{ term: 'contract', node: 'Schema Guard', rank: 1 },
	{ term: 'drift', node: 'Schema Guard', rank: 2, after: ['Drift'] },
	{ term: 'normalize', node: 'Canonical Transform', rank: 1 },
	{ term: 'map fields', node: 'Canonical Transform', rank: 1 },
	{
		term: 'transform',
		node: 'Canonical Transform',
		rank: 8,
		after: [
			'Edit Fields (Set)',
			'Split Out',
			'Aggregate',
			'Limit',
			'Summarize',
			'Remove Duplicates',
			'Sort',
		],
	},
	{ term: 'tokens', node: 'Cost Guard', rank: 1 },
	{ term: 'LLM cost', node: 'Cost Guard', rank: 1 },
	{ term: 'budget', node: 'Cost Guard', rank: 1 },
	{ term: 'expiry', node: 'Credential Expiry Check', rank: 1 },
	{ term: 'rotate', node: 'Credential Expiry Check', rank: 1 },
	{
		term: 'certificate',
		node: 'Credential Expiry Check',
		rank: 2,
		after: ['AWS Certificate Manager'],
	},
];

/** The items of the built workflows, as a newcomer pastes them into a Code node. */
const CONTACTS_CODE = `return [
  { json: { email: 'ann@example.com', name: 'Ann', age: 31 } },
  { json: { email: 'not-an-email', name: 'Bob', age: 40 } },
  { json: { email: 'cy@example.com', name: 'Cy', age: 'old' } },
];`;
const CONTACTS_SCHEMA = JSON.stringify(
	{
		type: 'object',
		properties: {
			email: { type: 'string', format: 'email' },
			name: { type: 'string' },
			age: { type: 'integer' },
		},
		required: ['email', 'name'],
	},
	null,
	2,
);
const ORDERS_CODE = `return [
  { json: { orderId: 'A-1001', total: 10 } },
  { json: { orderId: 'A-1002', total: 20 } },
  { json: { orderId: 'A-1003', total: 30 } },
];`;

const latestVersion = (version: number | number[]) =>
	Array.isArray(version) ? Math.max(...version) : version;

/** Manual Trigger and one node of every package type, in a row. */
function everyNodeWorkflow(types: NodeTypeDescription[]): WorkflowJson {
	return {
		name: 'Every Integration Guards node',
		nodes: [
			{
				parameters: {},
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
			},
			...types.map((type, index) => ({
				parameters: {},
				name: type.displayName,
				type: type.name,
				typeVersion: latestVersion(type.version),
				position: [260 + 260 * index, index % 2 === 0 ? 0 : 200],
			})),
		],
		connections: {},
		settings: { executionOrder: 'v1' },
	};
}

/** True when an image of `node` is loaded (complete, with a size); returns its src and size for messages. */
async function nodeIconState(
	page: Page,
	nodeName: string,
): Promise<{ found: boolean; loaded: boolean; src: string; tag: string }> {
	return await page.evaluate<{
		found: boolean;
		loaded: boolean;
		src: string;
		tag: string;
	}>(`(() => {
		const node = [...document.querySelectorAll('[data-test-id="canvas-node"]')].find((element) => element.getAttribute('data-node-name') === ${JSON.stringify(nodeName)});
		if (!node) return { found: false, loaded: false, src: '', tag: '' };
		const image = node.querySelector('img');
		if (image) return { found: true, loaded: image.complete && image.naturalWidth > 0, src: image.currentSrc || image.src, tag: 'img' };
		const svg = node.querySelector('svg image, svg');
		return { found: true, loaded: false, src: svg ? svg.outerHTML.slice(0, 200) : node.innerHTML.slice(0, 300), tag: svg ? 'svg' : 'none' };
	})()`);
}

async function bodyText(page: Page): Promise<string> {
	return await page.evaluate<string>('document.body.innerText');
}

function assertNoUnknownNode(text: string, where: string): void {
	for (const pattern of NOT_INSTALLED)
		assert.doesNotMatch(text, pattern, `${where} shows a node as unknown or not installed`);
}

describe('the editor in headless Chromium (n8n 2.40.7)', () => {
	let n8n: N8nInstance;
	let browser: Browser | undefined;
	let page: Page;
	let shots: string;
	let nodeTypes: NodeTypeDescription[] = [];
	/** Node type names of this package that n8n serves to the editor. */
	let servedNodeNames: string[] = [];
	let credentialTypes: CredentialTypeDescription[] = [];
	let workflowId = '';
	const responses = new Map<string, number>();
	const pageErrors: string[] = [];

	before(async () => {
		// A missing browser or driver fails before n8n is started, with the install command.
		assertChromium();
		loadPlaywright();
		shots = artifactsDir(repoRoot());
		n8n = await startN8n();
		const allNodes = await n8n.api<NodeTypeDescription[]>('GET', '/types/nodes.json');
		const allCredentials = await n8n.api<CredentialTypeDescription[]>(
			'GET',
			'/types/credentials.json',
		);
		servedNodeNames = [
			...new Set(
				allNodes.map((type) => type.name).filter((name) => name.startsWith(`${PACKAGE_NAME}.`)),
			),
		];
		nodeTypes = n8n.declared.nodes.map((name) => {
			const versions = allNodes.filter((type) => type.name === name);
			assert.ok(versions.length > 0, `n8n serves the description of ${name}`);
			return versions.sort((a, b) => latestVersion(b.version) - latestVersion(a.version))[0];
		});
		credentialTypes = n8n.declared.credentials.map((name) => {
			const found = allCredentials.find((type) => type.name === name);
			assert.ok(found, `n8n serves the credential type ${name}`);
			return found;
		});
		workflowId = (await n8n.importWorkflow(everyNodeWorkflow(nodeTypes))).id;

		browser = await launchChromium();
		page = browser.page;
		page.on('response', (response: PwResponse) => responses.set(response.url(), response.status()));
		page.on('pageerror', (error: Error) => pageErrors.push(error.message));
	});

	after(async () => {
		await browser?.close();
		await n8n?.stop();
		if (shots) process.stderr.write(`[editor] screenshots in ${shots}\n`);
	});

	it('signs the owner in through the sign-in form', { timeout: 120_000 }, async () => {
		await page.goto(`${n8n.baseUrl}/signin`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
		const form = page.locator(testId('signin-form'));
		await form.waitFor({ state: 'visible', timeout: 60_000 });
		await form.locator('input[name="emailOrLdapLoginId"]').fill(OWNER.email);
		await form.locator('input[name="password"]').fill(OWNER.password);
		await page.screenshot({ path: path.join(shots, '00-signin.png') });
		await page.locator(testId('form-submit-button')).click();
		await page.waitForURL((url) => !url.pathname.startsWith('/signin'), { timeout: STEP_MS });
	});

	it(
		'shows every node of the package on the canvas with its icon, none unknown',
		{ timeout: 90_000 + 15_000 * DECLARED.nodes.length },
		async () => {
			// Exactly what package.json declares (n8n.nodes), so a node that silently fails to
			// register fails here rather than shrinking the canvas.
			assert.equal(
				nodeTypes.length,
				DECLARED.nodes.length,
				`one node type per file package.json declares: ${nodeTypes.map((type) => type.name).join(', ')}`,
			);
			// n8n adds a `<name>Tool` variant of each node that is usableAsTool.
			const toolVariant = (name: string) =>
				name.endsWith('Tool') && n8n.declared.nodes.includes(name.slice(0, -'Tool'.length));
			assert.deepEqual(
				servedNodeNames.filter((name) => !toolVariant(name)).sort(),
				[...n8n.declared.nodes].sort(),
				`n8n serves every node the package declares, and no other: ${DECLARED.nodes.join(', ')}`,
			);
			await page.goto(`${n8n.baseUrl}/workflow/${workflowId}`, {
				waitUntil: 'domcontentloaded',
				timeout: 60_000,
			});
			const canvasNodes = page.locator('[data-test-id="canvas-node"]');
			await canvasNodes.nth(nodeTypes.length).waitFor({ state: 'visible', timeout: 60_000 });
			assert.equal(
				await canvasNodes.count(),
				nodeTypes.length + 1,
				'the trigger and one node per package node type',
			);
			// Icons are images loaded after the nodes appear: give them a moment, then judge.
			for (const type of nodeTypes) {
				const name = type.displayName;
				let state = await nodeIconState(page, name);
				for (let attempt = 0; attempt < 40 && state.found && !state.loaded; attempt++) {
					await page.waitForTimeout(250);
					state = await nodeIconState(page, name);
				}
				assert.ok(state.found, `node "${name}" is on the canvas`);
				assert.equal(
					state.tag,
					'img',
					`node "${name}" renders its icon file as an image, not a placeholder: ${state.src}`,
				);
				assert.ok(state.loaded, `the icon of "${name}" loaded (${state.src})`);
				assert.ok(
					state.src.includes(PACKAGE_NAME),
					`the icon of "${name}" comes from the package: ${state.src}`,
				);
				assert.equal(
					responses.get(state.src),
					200,
					`the icon URL of "${name}" answered 200: ${state.src}`,
				);
				const direct = await fetch(state.src);
				assert.equal(direct.status, 200, `GET ${state.src}`);
				assert.match(
					direct.headers.get('content-type') ?? '',
					/svg/,
					`the icon of "${name}" is an SVG`,
				);
				await direct.arrayBuffer();
			}
			assert.equal(
				await page.locator('[data-test-id="node-not-installed"]').count(),
				0,
				'no node is marked as not installed',
			);
			assertNoUnknownNode(await bodyText(page), 'the canvas');
			const canvasShot = await page.screenshot({
				path: path.join(shots, '01-canvas-every-node.png'),
			});
			mkdirSync(DOCS_SHOTS, { recursive: true });
			writeFileSync(path.join(DOCS_SHOTS, 'canvas-every-node.png'), canvasShot);
		},
	);

	it(
		"opens every node's panel",
		{ timeout: 30_000 + PER_NODE_MS * DECLARED.nodes.length },
		async () => {
			for (const [index, type] of nodeTypes.entries()) {
				const name = type.displayName;
				const canvasNode = page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`);
				await canvasNode.dblclick({ timeout: STEP_MS });
				const panel = page.locator(testId('ndv'));
				await panel.waitFor({ state: 'visible', timeout: STEP_MS });
				// The parameters are drawn from the node's description: wait for the first one.
				await panel
					.locator('[data-test-id="parameter-input"], [data-test-id^="parameter-input-"]')
					.first()
					.waitFor({ state: 'visible', timeout: STEP_MS });
				const text = await panel.innerText();
				assert.ok(text.includes(name), `the panel of "${name}" names it`);
				const headerIcon = await page.evaluate<{ src: string; loaded: boolean } | null>(`(() => {
				const image = document.querySelector('[data-test-id="ndv"] img');
				return image ? { src: image.currentSrc || image.src, loaded: image.complete && image.naturalWidth > 0 } : null;
			})()`);
				assert.ok(
					headerIcon?.loaded && headerIcon.src.includes(PACKAGE_NAME),
					`the panel of "${name}" shows the node's icon: ${JSON.stringify(headerIcon)}`,
				);
				assertNoUnknownNode(text, `the panel of "${name}"`);
				assert.equal(
					await panel.locator('[data-test-id="node-not-installed"]').count(),
					0,
					`the panel of "${name}" does not offer to install it`,
				);
				// The Docs link: the node's page under docs/nodes/, without a `#` anchor, so the
				// `?utm_…` n8n appends lands in the query, not inside the anchor.
				const docsHref = await panel
					.locator('a')
					.filter({ hasText: /^\s*Docs\s*$/ })
					.first()
					.getAttribute('href');
				assert.ok(docsHref, `the panel of "${name}" has a Docs link`);
				const docsUrl = new URL(docsHref);
				assert.equal(docsUrl.hash, '', `the Docs link of "${name}" has no anchor: ${docsHref}`);
				const docsPage = /\/blob\/main\/(docs\/nodes\/[a-z-]+\.md)$/.exec(docsUrl.pathname)?.[1];
				assert.ok(docsPage, `the Docs link of "${name}" is its docs/nodes page: ${docsHref}`);
				assert.ok(existsSync(path.join(repoRoot(), docsPage)), `${docsPage} exists`);
				const shot = await page.screenshot({
					path: path.join(shots, `${String(index + 2).padStart(2, '0')}-node-${slug(name)}.png`),
				});
				writeFileSync(path.join(DOCS_SHOTS, `node-${slug(name)}.png`), shot);
				await page.keyboard.press('Escape');
				await panel.waitFor({ state: 'hidden', timeout: STEP_MS });
			}
		},
	);

	it(
		'opens every credential type of the package in the credential dialog',
		{ timeout: 30_000 + PER_NODE_MS * DECLARED.credentials.length },
		async () => {
			assert.ok(
				credentialTypes.length >= 2,
				`the package declares its credentials: ${credentialTypes.map((type) => type.name).join(', ')}`,
			);
			for (const [index, type] of credentialTypes.entries()) {
				await page.goto(`${n8n.baseUrl}/home/credentials/create`, {
					waitUntil: 'domcontentloaded',
					timeout: 60_000,
				});
				const select = page.locator(testId('new-credential-type-select'));
				await select.waitFor({ state: 'visible', timeout: STEP_MS });
				await select.locator('input').first().fill(type.displayName);
				const option = page
					.locator(testId('new-credential-type-select-option'))
					.filter({ hasText: type.displayName })
					.first();
				await option.click({ timeout: STEP_MS });
				await page.locator(testId('new-credential-type-button')).click({ timeout: STEP_MS });
				const dialog = page.locator(testId('credential-edit-dialog'));
				await dialog.waitFor({ state: 'visible', timeout: STEP_MS });
				// The fields always shown (no displayOptions), as the credential type describes them.
				const shown = (type.properties ?? []).filter(
					(property) => !['notice', 'hidden'].includes(property.type) && !property.displayOptions,
				);
				const firstField = shown[0];
				if (firstField)
					await dialog
						.getByText(firstField.displayName)
						.first()
						.waitFor({ state: 'visible', timeout: STEP_MS });
				// The modal around the dialog's body: its header names the credential type.
				const modal = page.locator(testId('editCredential-modal'));
				const header = await modal.innerText();
				assert.ok(
					header.includes(type.displayName),
					`the credential modal of ${type.name} names "${type.displayName}": ${header.slice(0, 200)}`,
				);
				const credentialIcon = await page.evaluate<{
					src: string;
					loaded: boolean;
				} | null>(`(() => {
				const image = document.querySelector('[data-test-id="editCredential-modal"] img');
				return image ? { src: image.currentSrc || image.src, loaded: image.complete && image.naturalWidth > 0 } : null;
			})()`);
				assert.ok(
					credentialIcon?.loaded && credentialIcon.src.includes(PACKAGE_NAME),
					`the credential modal of ${type.name} shows its icon: ${JSON.stringify(credentialIcon)}`,
				);
				const text = await dialog.innerText();
				for (const property of shown.slice(0, 3)) {
					assert.ok(
						text.includes(property.displayName),
						`the dialog of ${type.name} shows the field "${property.displayName}"`,
					);
				}
				assertNoUnknownNode(text, `the credential dialog of ${type.name}`);
				// "read the docs": docs/credentials.md, without an anchor for n8n's ?utm_… to break.
				const docsHref = await modal
					.locator('a')
					.filter({ hasText: /^\s*docs\s*$/i })
					.first()
					.getAttribute('href', { timeout: STEP_MS });
				assert.ok(docsHref, `the credential dialog of ${type.name} links its docs`);
				assert.equal(new URL(docsHref).hash, '', `no anchor in ${docsHref}`);
				assert.match(new URL(docsHref).pathname, /\/blob\/main\/docs\/credentials\.md$/);
				await page.screenshot({
					path: path.join(
						shots,
						`${String(index + 2 + nodeTypes.length).padStart(2, '0')}-credential-${slug(type.displayName)}.png`,
					),
				});
				await page.keyboard.press('Escape');
			}
		},
	);

	it(
		'ranks our node first for its own words in the node creator, and finds the package by its name',
		{ timeout: 60_000 + 10_000 * SEARCH_TERMS.length },
		async () => {
			// As in the UX review: a workflow with a Manual Trigger, then the node creator.
			const { id } = await n8n.importWorkflow({
				name: 'Search ranks',
				nodes: [
					{
						parameters: {},
						name: 'Start',
						type: 'n8n-nodes-base.manualTrigger',
						typeVersion: 1,
						position: [0, 0],
					},
				],
				connections: {},
				settings: { executionOrder: 'v1' },
			});
			await page.goto(`${n8n.baseUrl}/workflow/${id}`, {
				waitUntil: 'domcontentloaded',
				timeout: 60_000,
			});
			await page
				.locator(testId('canvas-node'))
				.first()
				.waitFor({ state: 'visible', timeout: STEP_MS });
			await openNodeCreator(page);
			const ours = new Set(nodeTypes.map((type) => type.displayName));
			const rows: string[] = [];
			const problems: string[] = [];
			for (const { term, node, rank, after } of SEARCH_TERMS) {
				const names = await searchNodeCreator(page, term);
				const found = names.indexOf(node) + 1;
				rows.push(
					`${term.padEnd(14)} ${node.padEnd(24)} #${found || '-'} (at worst #${rank})  ${names.slice(0, 5).join(' | ')}`,
				);
				if (found === 0 || found > rank) {
					problems.push(`"${term}": ${node} is #${found || 'absent'}, expected #${rank} at worst`);
					continue;
				}
				// What ranks above ours is n8n's own node named in the table, never another of ours.
				const above = names.slice(0, found - 1);
				const unexpected = above.filter((name) => ours.has(name) || !(after ?? []).includes(name));
				if (unexpected.length > 0)
					problems.push(`"${term}": ranked above ${node}: ${unexpected.join(', ')}`);
			}
			// The package's name finds every node of the package (triggers have their own view).
			const regular = nodeTypes
				.filter((type) => !(type.group ?? []).includes('trigger'))
				.map((type) => type.displayName)
				.sort();
			for (const term of ['integration guards', PACKAGE_NAME]) {
				const names = await searchNodeCreator(page, term);
				rows.push(`${term.padEnd(14)} ${names.slice(0, regular.length).join(' | ')}`);
				const first = names.slice(0, regular.length).sort();
				if (JSON.stringify(first) !== JSON.stringify(regular))
					problems.push(
						`"${term}": the first results are ${first.join(', ')}, not ${regular.join(', ')}`,
					);
			}
			process.stderr.write(
				`[editor] node creator search (term, node, rank, first results):\n  ${rows.join('\n  ')}\n`,
			);
			await searchNodeCreator(page, 'retry');
			await page.screenshot({ path: path.join(shots, '20-search-retry.png') });
			await page.keyboard.press('Escape');
			assert.deepEqual(problems, []);
		},
	);

	/** Clicks Execute workflow on the canvas and returns the finished execution it started. */
	async function executeFromCanvas(): Promise<Execution> {
		const workflowId = workflowIdOf(page);
		const latest = async () =>
			(
				await n8n.api<{ results: Array<{ id: string; workflowId: string }> }>(
					'GET',
					'/rest/executions?limit=1',
				)
			).results[0];
		const before = (await latest())?.id;
		await page.locator(testId('execute-workflow-button')).click({ timeout: STEP_MS });
		let started: { id: string; workflowId: string } | undefined;
		const deadline = Date.now() + STEP_MS;
		while (Date.now() < deadline) {
			started = await latest();
			if (started && started.id !== before) break;
			await page.waitForTimeout(250);
		}
		assert.ok(
			started && started.id !== before,
			'the click on Execute workflow started an execution',
		);
		assert.equal(started.workflowId, workflowId, 'the execution is of the workflow in the editor');
		return await n8n.waitForExecution(started.id);
	}

	/** A new workflow with a Manual Trigger and a Code node returning `code`, both added in the editor. */
	async function newWorkflowWithItems(code: string): Promise<void> {
		await page.goto(`${n8n.baseUrl}/workflow/new`, {
			waitUntil: 'domcontentloaded',
			timeout: 60_000,
		});
		await page.locator(testId('canvas-add-button')).click({ timeout: STEP_MS });
		await addFromNodeCreator(page, 'manual', 'Manual Trigger');
		await page
			.locator(testId('canvas-node'))
			.first()
			.waitFor({ state: 'visible', timeout: STEP_MS });
		await openNodeCreator(page);
		await addFromNodeCreator(page, 'code', 'Code', 'Code in JavaScript');
		await page.locator(testId('ndv')).waitFor({ state: 'visible', timeout: STEP_MS });
		await fillCodeParameter(page, 'jsCode', code);
		await closePanel(page);
	}

	it(
		'builds the Schema Guard workflow from the node creator and the panel, and runs it',
		{ timeout: 240_000 },
		async () => {
			await newWorkflowWithItems(CONTACTS_CODE);
			await openNodeCreator(page);
			await addFromNodeCreator(page, 'validate', 'Schema Guard');
			await page.locator(testId('ndv')).waitFor({ state: 'visible', timeout: STEP_MS });
			await chooseOption(page, 'schemaSource', 'JSON Schema');
			await fillCodeParameter(page, 'jsonSchema', CONTACTS_SCHEMA);
			await page.screenshot({ path: path.join(shots, '21-schema-guard-panel.png') });
			await closePanel(page);
			assert.deepEqual(await canvasNodeNames(page), [
				'When clicking ‘Execute workflow’',
				'Code in JavaScript',
				'Schema Guard',
			]);
			const run = await executeFromCanvas();
			await page.screenshot({ path: path.join(shots, '22-schema-guard-run.png') });
			assert.equal(run.status, 'success', JSON.stringify(run.error));
			const guard = run.node('Schema Guard');
			process.stderr.write(
				`[editor] Schema Guard outputs: ${Object.entries(guard.byName)
					.map(([name, items]) => `${name} ${items.length}`)
					.join(', ')}\n`,
			);
			const names = (output: number) => guard.outputs[output].map((item) => item.json.name);
			assert.deepEqual(names(0), ['Ann'], 'Valid: the one contact that fits the schema');
			assert.deepEqual(
				names(1).sort(),
				['Bob', 'Cy'],
				'Invalid: a bad email, an age that is not a number',
			);
			assert.ok(guard.outputs[2].length >= 1, 'Drift Report: the age that changed type');
		},
	);

	it(
		'builds the Idempotent Write workflow from the node creator and the panel; a second run finds the keys done',
		{ timeout: 300_000 },
		async () => {
			const scope = `editor-orders-${Date.now().toString(36)}`;
			await newWorkflowWithItems(ORDERS_CODE);
			await openNodeCreator(page);
			await addFromNodeCreator(
				page,
				'webhook twice',
				'Idempotent Write',
				'Claim a key before the write',
			);
			await page.locator(testId('ndv')).waitFor({ state: 'visible', timeout: STEP_MS });
			await fillParameter(page, 'scope', scope);
			await fillParameter(page, 'keyFields', 'orderId');
			await page.screenshot({ path: path.join(shots, '23-idempotent-write-claim-panel.png') });
			await closePanel(page);
			// The write would go here; the Complete follows the Claim's first output.
			await openNodeCreator(page);
			await addFromNodeCreator(
				page,
				'idempotent',
				'Idempotent Write',
				'Complete a key after the write succeeded',
			);
			await page.locator(testId('ndv')).waitFor({ state: 'visible', timeout: STEP_MS });
			// No Scope here: Complete takes the Claim node's by default (Scope From).
			await fillParameter(page, 'resultFields', 'orderId');
			await closePanel(page);
			assert.deepEqual(await canvasNodeNames(page), [
				'When clicking ‘Execute workflow’',
				'Code in JavaScript',
				'Idempotent Write',
				'Idempotent Write1',
			]);
			const orderIds = (items: Array<{ json: Record<string, unknown> }>) =>
				items.map((item) => item.json.orderId).sort();
			const first = await executeFromCanvas();
			assert.equal(first.status, 'success', JSON.stringify(first.error));
			const claim = first.node('Idempotent Write');
			process.stderr.write(
				`[editor] Idempotent Write, first run: ${Object.entries(claim.byName)
					.map(([name, items]) => `${name} ${items.length}`)
					.join(', ')}\n`,
			);
			assert.deepEqual(
				orderIds(claim.outputs[0]),
				['A-1001', 'A-1002', 'A-1003'],
				'three new keys go on to the write',
			);
			assert.deepEqual(
				orderIds(first.node('Idempotent Write1').outputs[0]),
				['A-1001', 'A-1002', 'A-1003'],
				'and are completed',
			);
			const second = await executeFromCanvas();
			await page.screenshot({ path: path.join(shots, '24-idempotent-write-second-run.png') });
			assert.equal(second.status, 'success', JSON.stringify(second.error));
			const again = second.node('Idempotent Write');
			process.stderr.write(
				`[editor] Idempotent Write, second run: ${Object.entries(again.byName)
					.map(([name, items]) => `${name} ${items.length}`)
					.join(', ')}\n`,
			);
			assert.equal(again.outputs[0].length, 0, 'no key goes on to the write again');
			assert.deepEqual(
				orderIds(again.outputs[1]),
				['A-1001', 'A-1002', 'A-1003'],
				'the second run finds all three done: Duplicate',
			);
		},
	);

	it('raised no uncaught error in the page', () => {
		assert.deepEqual(pageErrors, []);
	});
});
