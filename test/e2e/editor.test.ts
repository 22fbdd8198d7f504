// The editor, in a real browser: headless Chromium (the Debian package) driven by
// playwright-core against a real n8n 2.40.7 with the package installed from its tarball.
// Logs in through the sign-in form, opens a workflow that holds every node the package
// declares (package.json `n8n.nodes`, so a node added later is included by itself), and
// asserts that each node renders with its icon (the image loaded, its URL answered 200),
// that no node shows as unknown or not installed, that each node's panel opens, and that
// each credential type of the package opens in the credential dialog.
//
// Screenshots go to test-artifacts/editor/ (git-ignored) or $N8N_GUARDS_ARTIFACTS.
// Bounded: about 2-4 minutes after n8n is up; each step has its own time limit.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
	OWNER,
	PACKAGE_NAME,
	repoRoot,
	startN8n,
	type N8nInstance,
	type WorkflowJson,
} from './harness';
import {
	artifactsDir,
	assertChromium,
	declaredFiles,
	launchChromium,
	loadPlaywright,
	slug,
	testId,
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
	defaults?: { name?: string };
	icon?: unknown;
	iconUrl?: string | { light?: string; dark?: string };
}

interface CredentialTypeDescription {
	name: string;
	displayName: string;
	properties?: Array<{ displayName: string; name: string; type: string; displayOptions?: unknown }>;
}

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
			await page.screenshot({ path: path.join(shots, '01-canvas-every-node.png') });
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
				await page.screenshot({
					path: path.join(shots, `${String(index + 2).padStart(2, '0')}-node-${slug(name)}.png`),
				});
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

	it('raised no uncaught error in the page', () => {
		assert.deepEqual(pageErrors, []);
	});
});
