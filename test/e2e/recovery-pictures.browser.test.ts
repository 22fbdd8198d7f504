// The recovery patterns as pictures from the editor (issue 19): the shipped Dead Letter
// examples — capture, replay (a path for every class) and redelivery (the trigger) —
// imported as they are into a real n8n 2.40.7 with the package installed from its
// tarball, each opened in the editor canvas in headless Chromium, every node of it
// rendered (none unknown or not installed), zoomed to fit, and saved as a screenshot to
// docs/images/recovery/<example>.png for the README. test/e2e/examples.test.ts runs the
// same three workflows.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { launchChromium, testId, type Browser, type Page } from './editor-support';
import { OWNER, repoRoot, startN8n, type N8nInstance, type WorkflowJson } from './harness';

/** The examples pictured, in the README's order: the file name is the picture's name. */
const RECOVERY_EXAMPLES = [
	'dead-letter-capture',
	'dead-letter-replay',
	'dead-letter-redelivery',
] as const;

const PICTURES = path.join(repoRoot(), 'docs', 'images', 'recovery');
const STEP_MS = 60_000;
/** The pictures' width; each one's height follows its workflow's shape, so zoom to fit fills it. */
const WIDTH = 1600;
const NOT_INSTALLED = [
	/Install this node/i,
	/not currently installed/i,
	/is an unknown node type/i,
];

function example(name: string): WorkflowJson {
	return JSON.parse(
		readFileSync(path.join(repoRoot(), 'examples', `${name}.json`), 'utf8'),
	) as WorkflowJson;
}

/**
 * A viewport of the workflow's proportions: its nodes (100 × 100 and a label) and sticky
 * notes, with a margin, plus the editor's header and footer; from 700 to 1800 high.
 */
function viewportFor(workflow: WorkflowJson): { width: number; height: number } {
	const boxes = workflow.nodes.map((node) => {
		const [x, y] = node.position as [number, number];
		const { width, height } = node.parameters as { width?: number; height?: number };
		const sticky = node.type === 'n8n-nodes-base.stickyNote';
		return [x, y, x + (sticky ? (width ?? 240) : 100), y + (sticky ? (height ?? 160) : 160)];
	});
	const spanX = Math.max(...boxes.map((box) => box[2])) - Math.min(...boxes.map((box) => box[0]));
	const spanY = Math.max(...boxes.map((box) => box[3])) - Math.min(...boxes.map((box) => box[1]));
	const height = Math.round((WIDTH * (spanY + 200)) / (spanX + 200)) + 160;
	return { width: WIDTH, height: Math.min(1800, Math.max(700, height)) };
}

/** The names of the nodes on the canvas (sticky notes are not nodes there). */
async function canvasNodeNames(page: Page): Promise<string[]> {
	return await page.evaluate<string[]>(
		`[...document.querySelectorAll('[data-test-id="canvas-node"]')].map((node) => node.getAttribute('data-node-name')).filter(Boolean)`,
	);
}

describe('the recovery patterns in the editor (headless Chromium, n8n 2.40.7)', () => {
	let n8n: N8nInstance;
	let browser: Browser | undefined;
	let page: Page;
	const imported = new Map<string, string>();

	before(
		async () => {
			n8n = await startN8n();
			for (const name of RECOVERY_EXAMPLES)
				imported.set(name, (await n8n.importWorkflow(example(name))).id);
			browser = await launchChromium();
			page = browser.page;
			mkdirSync(PICTURES, { recursive: true });
			// Signed in through the form, as a user.
			await page.goto(`${n8n.baseUrl}/signin`, { waitUntil: 'domcontentloaded', timeout: STEP_MS });
			const form = page.locator(testId('signin-form'));
			await form.waitFor({ state: 'visible', timeout: STEP_MS });
			await form.locator('input[name="emailOrLdapLoginId"]').fill(OWNER.email);
			await form.locator('input[name="password"]').fill(OWNER.password);
			await page.locator(testId('form-submit-button')).click();
			await page.waitForURL((url) => !url.pathname.startsWith('/signin'), { timeout: STEP_MS });
		},
		{ timeout: 20 * 60_000 },
	);

	after(async () => {
		await browser?.close();
		await n8n?.stop();
	});

	for (const name of RECOVERY_EXAMPLES) {
		it(
			`${name}: every node on the canvas, none unknown; pictured in docs/images/recovery/${name}.png`,
			{
				timeout: 3 * STEP_MS,
			},
			async () => {
				const workflow = example(name);
				await (
					page as unknown as {
						setViewportSize(size: { width: number; height: number }): Promise<void>;
					}
				).setViewportSize(viewportFor(workflow));
				const expected = workflow.nodes
					.filter((node) => node.type !== 'n8n-nodes-base.stickyNote')
					.map((node) => node.name)
					.sort();
				await page.goto(`${n8n.baseUrl}/workflow/${imported.get(name)}`, {
					waitUntil: 'domcontentloaded',
					timeout: STEP_MS,
				});
				const nodes = page.locator(testId('canvas-node'));
				await nodes.nth(expected.length - 1).waitFor({ state: 'visible', timeout: STEP_MS });
				assert.deepEqual((await canvasNodeNames(page)).sort(), expected);
				const text = await page.evaluate<string>('document.body.innerText');
				for (const pattern of NOT_INSTALLED)
					assert.doesNotMatch(text, pattern, `${name} shows a node as unknown or not installed`);
				assert.equal(await page.locator(testId('node-not-installed')).count(), 0);

				// Icons are images that load after the nodes: wait until every one has.
				const iconsLoaded = `[...document.querySelectorAll('[data-test-id="canvas-node"] img')].every((image) => image.complete && image.naturalWidth > 0)`;
				for (
					let attempt = 0;
					attempt < 40 && !(await page.evaluate<boolean>(iconsLoaded));
					attempt++
				)
					await page.waitForTimeout(250);
				assert.ok(await page.evaluate<boolean>(iconsLoaded), 'every node icon loaded');

				await page.locator(testId('zoom-to-fit')).click();
				// The fit animates: let it settle before the picture.
				await page.waitForTimeout(1000);
				const file = path.join(PICTURES, `${name}.png`);
				await page.locator(testId('canvas-wrapper')).screenshot({ path: file });
				const png = readFileSync(file);
				assert.equal(png.subarray(1, 4).toString(), 'PNG');
				assert.ok(statSync(file).size > 20_000, `${file} holds a picture, not a blank canvas`);
				process.stderr.write(`[recovery] ${path.relative(repoRoot(), file)}\n`);
			},
		);
	}
});
