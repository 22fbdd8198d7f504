// The browser side of the editor test: loads playwright-core, starts the Debian Chromium
// headless on a fresh profile, and describes the few Playwright calls the test makes.
//
// playwright-core is loaded with require() and typed here by hand, so this file compiles
// whether or not the package is installed: a missing playwright-core or Chromium is a
// test FAILURE that says how to install it, never a compile error or a skip.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The playwright-core release this test is written against (1.x; it drives the system Chromium over CDP). */
export const PLAYWRIGHT_VERSION = '1.65.1';
export const CHROMIUM = process.env.N8N_GUARDS_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
];

// ---------------------------------------------------------------------------------------
// The part of Playwright's API this test uses (playwright-core's own types are richer).
// ---------------------------------------------------------------------------------------

export interface PwResponse {
	url(): string;
	status(): number;
}

export interface Locator {
	first(): Locator;
	last(): Locator;
	nth(index: number): Locator;
	filter(options: { hasText?: string | RegExp; has?: Locator }): Locator;
	locator(selector: string): Locator;
	getByText(text: string | RegExp, options?: { exact?: boolean }): Locator;
	count(): Promise<number>;
	click(options?: {
		timeout?: number;
		force?: boolean;
		position?: { x: number; y: number };
		delay?: number;
	}): Promise<void>;
	hover(options?: { timeout?: number }): Promise<void>;
	dblclick(options?: { timeout?: number; force?: boolean }): Promise<void>;
	fill(value: string, options?: { timeout?: number }): Promise<void>;
	press(key: string, options?: { timeout?: number }): Promise<void>;
	waitFor(options?: {
		state?: 'attached' | 'detached' | 'visible' | 'hidden';
		timeout?: number;
	}): Promise<void>;
	isVisible(): Promise<boolean>;
	getAttribute(name: string, options?: { timeout?: number }): Promise<string | null>;
	innerText(options?: { timeout?: number }): Promise<string>;
	screenshot(options?: { path?: string; timeout?: number }): Promise<Buffer>;
	scrollIntoViewIfNeeded(options?: { timeout?: number }): Promise<void>;
}

export interface Page {
	goto(
		url: string,
		options?: {
			waitUntil?: 'load' | 'domcontentloaded' | 'networkidle' | 'commit';
			timeout?: number;
		},
	): Promise<PwResponse | null>;
	url(): string;
	locator(selector: string): Locator;
	getByText(text: string | RegExp, options?: { exact?: boolean }): Locator;
	getByRole(role: string, options?: { name?: string | RegExp; exact?: boolean }): Locator;
	getByPlaceholder(text: string | RegExp, options?: { exact?: boolean }): Locator;
	waitForURL(
		url: string | RegExp | ((url: URL) => boolean),
		options?: { timeout?: number },
	): Promise<void>;
	waitForTimeout(ms: number): Promise<void>;
	screenshot(options?: { path?: string; fullPage?: boolean; timeout?: number }): Promise<Buffer>;
	evaluate<R>(pageFunction: string): Promise<R>;
	keyboard: { press(key: string): Promise<void>; type(text: string): Promise<void> };
	on(event: 'response', listener: (response: PwResponse) => void): void;
	on(event: 'console', listener: (message: { type(): string; text(): string }) => void): void;
	on(event: 'pageerror', listener: (error: Error) => void): void;
	setDefaultTimeout(ms: number): void;
	close(): Promise<void>;
}

export interface BrowserContext {
	pages(): Page[];
	newPage(): Promise<Page>;
	close(): Promise<void>;
}

interface PlaywrightModule {
	chromium: {
		launchPersistentContext(
			userDataDir: string,
			options: {
				executablePath: string;
				headless: boolean;
				args: string[];
				viewport: { width: number; height: number };
				timeout: number;
				chromiumSandbox?: boolean;
			},
		): Promise<BrowserContext>;
	};
}

/**
 * playwright-core: the devDependency when the repo has it, else the install named by
 * PLAYWRIGHT_CORE_PATH (a folder, e.g. /tmp/pw/node_modules/playwright-core).
 */
export function loadPlaywright(): PlaywrightModule {
	const tried: string[] = [];
	for (const candidate of ['playwright-core', process.env.PLAYWRIGHT_CORE_PATH]) {
		if (!candidate) continue;
		try {
			return require(candidate) as PlaywrightModule;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
			tried.push(candidate);
		}
	}
	throw new Error(
		`playwright-core is not installed (tried ${tried.join(', ')}). Add it with ` +
			`\`npm install --save-dev --save-exact playwright-core@${PLAYWRIGHT_VERSION}\`, or install it elsewhere ` +
			`(\`npm install --prefix /tmp/pw playwright-core@${PLAYWRIGHT_VERSION}\`) and set ` +
			`PLAYWRIGHT_CORE_PATH=/tmp/pw/node_modules/playwright-core.`,
	);
}

/** Throws, with the install command, when the Debian Chromium is missing. */
export function assertChromium(): void {
	if (!existsSync(CHROMIUM)) {
		throw new Error(
			`Chromium is not installed at ${CHROMIUM}: install it with \`sudo apt-get install -y chromium\` ` +
				'(or `bash scripts/ensure-system.sh`), or point N8N_GUARDS_CHROMIUM at another Chromium binary.',
		);
	}
}

export interface Browser {
	context: BrowserContext;
	page: Page;
	/** Closes Chromium and removes its profile folder. */
	close(): Promise<void>;
}

/** Starts headless Chromium on a fresh profile (a new temporary user-data-dir). */
export async function launchChromium(): Promise<Browser> {
	assertChromium();
	const { chromium } = loadPlaywright();
	const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'n8n-guards-chromium-'));
	let context: BrowserContext;
	try {
		context = await chromium.launchPersistentContext(userDataDir, {
			executablePath: CHROMIUM,
			headless: true,
			args: CHROMIUM_FLAGS,
			viewport: { width: 1600, height: 1000 },
			timeout: 60_000,
			chromiumSandbox: false,
		});
	} catch (error) {
		rmSync(userDataDir, { recursive: true, force: true });
		throw new Error(
			`could not start ${CHROMIUM} with playwright-core: ${(error as Error).message}`,
		);
	}
	const page = context.pages()[0] ?? (await context.newPage());
	page.setDefaultTimeout(60_000);
	return {
		context,
		page,
		close: async () => {
			await context.close().catch(() => undefined);
			rmSync(userDataDir, { recursive: true, force: true });
		},
	};
}

/**
 * Where the screenshots go: $N8N_GUARDS_ARTIFACTS, else test-artifacts/editor/ in the
 * repository (git-ignored), emptied at the start of a run.
 */
export function artifactsDir(repoRoot: string): string {
	const dir = process.env.N8N_GUARDS_ARTIFACTS
		? path.resolve(process.env.N8N_GUARDS_ARTIFACTS)
		: path.join(repoRoot, 'test-artifacts', 'editor');
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	return dir;
}

/** n8n marks its elements with data-test-id (Playwright's getByTestId looks for data-testid). */
export function testId(id: string): string {
	return `[data-test-id="${id}"]`;
}

/** A file name from a node or credential display name: `Circuit Breaker` → `circuit-breaker`. */
export function slug(name: string): string {
	return name
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-|-$/g, '');
}

/** The node and credential files package.json declares (`n8n.nodes`, `n8n.credentials`). */
export function declaredFiles(repoRoot: string): { nodes: string[]; credentials: string[] } {
	const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
		n8n?: { nodes?: string[]; credentials?: string[] };
	};
	return { nodes: pkg.n8n?.nodes ?? [], credentials: pkg.n8n?.credentials ?? [] };
}

// ---------------------------------------------------------------------------------------
// Building a workflow as a newcomer does: the node creator, then the node's panel.
// ---------------------------------------------------------------------------------------

const CREATOR = testId('node-creator');
const CREATOR_ITEM = `${CREATOR} ${testId('item-iterator-item')}`;

/** The names the node creator lists for `term`, in order, once the list stops changing. */
export async function searchNodeCreator(page: Page, term: string): Promise<string[]> {
	const search = page.locator(testId('node-creator-search-bar'));
	await search.fill(term);
	const read = async () =>
		await page.evaluate<string[]>(
			`[...document.querySelectorAll(${JSON.stringify(`${CREATOR_ITEM} [data-test-id="node-creator-item-name"]`)})].map((element) => element.textContent.trim())`,
		);
	// The search is debounced: read until two reads 300 ms apart agree.
	let previous = await read();
	for (let attempt = 0; attempt < 20; attempt++) {
		await page.waitForTimeout(300);
		const current = await read();
		if (current.length > 0 && current.join('\n') === previous.join('\n')) return current;
		previous = current;
	}
	return previous;
}

/** Opens the node creator from the canvas's + button (the new node follows the selected one). */
export async function openNodeCreator(page: Page): Promise<void> {
	await page.locator(testId('node-creator-plus-button')).click();
	await page.locator(testId('node-creator-search-bar')).waitFor({ state: 'visible' });
}

/**
 * Types `term` into the open node creator, clicks the node named `name`, then the action
 * whose text contains `action` when the node lists actions, or "Add to workflow" when n8n
 * shows the community node's page. When an action is given, returns once the new node's
 * panel is open: a click that lands while the actions panel slides in adds nothing, so
 * the action is chosen again, with the pointer and then with the keyboard (never once a
 * node was added).
 */
export async function addFromNodeCreator(
	page: Page,
	term: string,
	name: string,
	action?: string,
): Promise<void> {
	const before = await canvasNodeNames(page);
	await searchNodeCreator(page, term);
	await page
		.locator(CREATOR_ITEM)
		.filter({ has: page.getByText(name, { exact: true }) })
		.first()
		.click();
	if (!action) {
		const add = page.getByRole('button', { name: 'Add to workflow' });
		if (await add.isVisible().catch(() => false)) await add.click();
		return;
	}
	const ndv = page.locator(testId('ndv'));
	const actionItem = page.locator(CREATOR_ITEM).filter({ hasText: action }).first();
	const choices = [
		async () => await actionItem.click(),
		async () => await actionItem.click({ delay: 50 }),
		async () => {
			await actionItem.hover();
			await page.keyboard.press('Enter');
		},
	];
	for (const [attempt, choose] of choices.entries()) {
		await actionItem.waitFor({ state: 'visible', timeout: 30_000 });
		await page.waitForTimeout(300 * attempt);
		await choose();
		const opened = await ndv.waitFor({ state: 'visible', timeout: 15_000 }).then(
			() => true,
			() => false,
		);
		if (opened) return;
		const added = (await canvasNodeNames(page)).filter((node) => !before.includes(node));
		if (added.length > 0) {
			// The node is on the canvas but its panel did not open: open it as a user would.
			await page.locator(`[data-test-id="canvas-node"][data-node-name="${added[0]}"]`).dblclick();
			await ndv.waitFor({ state: 'visible', timeout: 30_000 });
			return;
		}
		const shot = path.join(os.tmpdir(), `node-creator-${slug(name)}-${attempt + 1}.png`);
		await page.screenshot({ path: shot });
		process.stderr.write(
			`[editor] choosing "${name}: ${action}" (attempt ${attempt + 1}) opened no panel and added no node (${shot})\n`,
		);
	}
	throw new Error(`the node creator did not add "${name}: ${action}"`);
}

export async function closePanel(page: Page): Promise<void> {
	await page.locator(testId('ndv-close-button')).click();
	await page.locator(testId('ndv')).waitFor({ state: 'hidden' });
}

/** Types into a text parameter of the open panel. */
export async function fillParameter(page: Page, name: string, value: string): Promise<void> {
	const input = page
		.locator(
			`${testId(`parameter-input-${name}`)} input, ${testId(`parameter-input-${name}`)} textarea`,
		)
		.first();
	await input.click();
	await input.fill(value);
}

/** Replaces the text of a code or JSON parameter (n8n's CodeMirror editors), as a paste does. */
export async function fillCodeParameter(page: Page, name: string, value: string): Promise<void> {
	const editor = page.locator(`${testId(`parameter-input-${name}`)} .cm-content`);
	await editor.click();
	await page.keyboard.press('Control+A');
	await page.keyboard.press('Delete');
	await editor.fill(value);
}

/** Picks an option of a dropdown parameter by its label. */
export async function chooseOption(page: Page, name: string, option: string): Promise<void> {
	await page.locator(testId(`parameter-input-${name}`)).click();
	// An option's accessible name is its label followed by its description.
	const label = new RegExp(`^\\s*${option.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`);
	await page.getByRole('option', { name: label }).first().click();
}

/** The names of the nodes on the canvas. */
export async function canvasNodeNames(page: Page): Promise<string[]> {
	return await page.evaluate<string[]>(
		`[...document.querySelectorAll('[data-test-id="canvas-node"]')].map((element) => element.getAttribute('data-node-name'))`,
	);
}

/** The id of the workflow open in the editor (`/workflow/<id>`). */
export function workflowIdOf(page: Page): string {
	const match = /\/workflow\/([^/?#]+)/.exec(new URL(page.url()).pathname);
	if (!match || match[1] === 'new') throw new Error(`no saved workflow open: ${page.url()}`);
	return match[1];
}
