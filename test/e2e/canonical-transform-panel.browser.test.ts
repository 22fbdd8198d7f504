// Canonical Transform 1.2's Fields in n8n's real editor (headless Chromium, n8n 2.40.7, the
// package installed from its tarball): the example workflow's "Xero to Canonical" panel
// shows each row's Target Field, Value From, Source Field or Value and Convert As, none of
// the settings left in Options, and a row's "Add Option" offers only its converter's
// settings. The counts of settings are the unit test's (test/unit/transform/panel-rows);
// this checks that n8n's panel draws the row as that test computes it.
//
// Screenshots go to test-artifacts/editor/ (git-ignored) or $N8N_GUARDS_ARTIFACTS.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { OWNER, repoRoot, startN8n, type N8nInstance, type WorkflowJson } from './harness';
import {
	artifactsDir,
	assertChromium,
	launchChromium,
	loadPlaywright,
	testId,
	type Browser,
	type Page,
} from './editor-support';

const STEP_MS = 60_000;

/** Settings of a Text row that version 1.1 showed on the row and 1.2 keeps in Options. */
const TEXT_OPTIONS = ['Collapse Whitespace', 'Empty to Null', 'Max Length'];
/** Settings of a Date / Time row. */
const DATE_OPTIONS = ['Input Format', 'Input Time Zone', 'Custom Input Format'];

describe('Canonical Transform 1.2 panel in the editor (n8n 2.40.7)', () => {
	let n8n: N8nInstance;
	let browser: Browser | undefined;
	let page: Page;
	let shots: string;
	let workflowId = '';

	before(async () => {
		assertChromium();
		loadPlaywright();
		shots = artifactsDir(repoRoot());
		n8n = await startN8n();
		const example = JSON.parse(
			readFileSync(path.join(repoRoot(), 'examples/canonical-transform.json'), 'utf8'),
		) as WorkflowJson;
		workflowId = (await n8n.importWorkflow(example)).id;
		browser = await launchChromium();
		page = browser.page;
	});

	after(async () => {
		await browser?.close();
		await n8n?.stop();
		if (shots) process.stderr.write(`[editor] screenshots in ${shots}\n`);
	});

	it(
		'the rows show four settings; Add Option offers the row converter’s settings only',
		{ timeout: 600_000 },
		async () => {
			await page.goto(`${n8n.baseUrl}/signin`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
			const form = page.locator(testId('signin-form'));
			await form.waitFor({ state: 'visible', timeout: 60_000 });
			await form.locator('input[name="emailOrLdapLoginId"]').fill(OWNER.email);
			await form.locator('input[name="password"]').fill(OWNER.password);
			await page.locator(testId('form-submit-button')).click();
			await page.waitForURL((url) => !url.pathname.startsWith('/signin'), { timeout: STEP_MS });

			await page.goto(`${n8n.baseUrl}/workflow/${workflowId}`, {
				waitUntil: 'domcontentloaded',
				timeout: 60_000,
			});
			const node = page.locator('[data-test-id="canvas-node"][data-node-name="Xero to Canonical"]');
			await node.dblclick({ timeout: STEP_MS });
			const panel = page.locator(testId('ndv'));
			await panel.waitFor({ state: 'visible', timeout: STEP_MS });
			await panel.getByText('Target Field').first().waitFor({ state: 'visible', timeout: STEP_MS });
			await page.screenshot({ path: path.join(shots, 'canonical-transform-1.2-rows.png') });

			const text = await panel.innerText();
			const count = (label: string) =>
				text.split('\n').filter((line) => line.trim().replace(/\s*\*$/, '') === label).length;
			// 16 rows: each shows its four settings as labels.
			for (const label of ['Target Field', 'Value From', 'Convert As'])
				assert.equal(count(label), 16, `${label} once per row`);
			assert.equal(count('Source Field') + count('Value'), 16, 'Source Field or Value per row');
			assert.equal(count('Value'), 1, 'one Fixed Value row (source: xero)');
			// Dropdowns show their choice in an input: Value From is Fixed Value on one row, Field on the rest.
			const inputs = await page.evaluate<string[]>(
				`[...document.querySelectorAll('[data-test-id="ndv"] input')].map((input) => input.value)`,
			);
			assert.equal(
				inputs.filter((value) => value === 'Fixed Value').length,
				1,
				'one Fixed Value row',
			);
			assert.equal(inputs.filter((value) => value === 'Field').length, 15, 'fifteen Field rows');
			// Options added in the example are shown (Case on invoice.number; If Missing on two rows).
			assert.ok(count('Case') >= 1, 'an added option is shown');
			assert.equal(count('If Missing'), 2, 'If Missing only where the example added it');
			for (const label of [...TEXT_OPTIONS, 'Trim', 'Output Minor Units', 'Rounding'])
				assert.equal(count(label), 0, `"${label}" is not on any row until added`);

			// The first row (Convert As: Text): Add Option lists Text's settings, not a date's.
			// "Add Option" is the placeholder of the collection's dropdown.
			const addOption = panel.locator('input[placeholder="Add Option"]').first();
			await addOption.scrollIntoViewIfNeeded({ timeout: STEP_MS });
			const before = await page.evaluate<string>('document.body.innerText');
			await addOption.click({ timeout: STEP_MS });
			await page.waitForTimeout(1000);
			const after = await page.evaluate<string>('document.body.innerText');
			await page.screenshot({ path: path.join(shots, 'canonical-transform-1.2-add-option.png') });
			const offered = after
				.split('\n')
				.map((line) => line.trim())
				.filter((line) => line !== '' && !before.split('\n').some((old) => old.trim() === line));
			for (const label of [...TEXT_OPTIONS, 'Trim', 'If Missing'])
				assert.ok(
					after.split('\n').some((line) => line.trim() === label),
					`Add Option offers "${label}": ${offered.join(' | ')}`,
				);
			for (const label of DATE_OPTIONS)
				assert.ok(
					!offered.includes(label),
					`Add Option on a Text row does not offer "${label}": ${offered.join(' | ')}`,
				);
			await page.keyboard.press('Escape');
		},
	);
});
