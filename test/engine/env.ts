/**
 * Process environment for the in-process n8n engine. Import this module before anything
 * that loads `n8n-core` (harness.ts does it on its first line).
 *
 * - `N8N_USER_FOLDER` always points at a fresh temporary folder, removed when the process
 *   exits: n8n-core otherwise writes its settings (encryption key) and binary data into
 *   `$HOME/.n8n`, and `this.helpers.getStoragePath()` would point there. A user folder
 *   inherited from the shell is deliberately ignored so that a test can never touch a
 *   developer's real n8n data. Set `ENGINE_KEEP_USER_FOLDER=1` to keep the folder for
 *   inspection (its path is printed on exit).
 * - `N8N_LOG_LEVEL` defaults to `silent`; export `N8N_LOG_LEVEL=debug` to see the engine's
 *   log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The temporary n8n user folder of this process (n8n keeps its data in `<this>/.n8n`). */
export const engineUserFolder = mkdtempSync(path.join(tmpdir(), 'n8n-engine-'));

/** The n8n folder inside it, as n8n-core's `InstanceSettings.n8nFolder` reports it. */
export const engineN8nFolder = path.join(engineUserFolder, '.n8n');

process.env.N8N_USER_FOLDER = engineUserFolder;
process.env.N8N_LOG_LEVEL ??= 'silent';
// Telemetry and diagnostics are for servers; nothing here may phone home.
process.env.N8N_DIAGNOSTICS_ENABLED = 'false';

process.on('exit', () => {
	if (process.env.ENGINE_KEEP_USER_FOLDER === '1') {
		process.stderr.write(`engine harness: kept n8n user folder ${engineUserFolder}\n`);
		return;
	}
	rmSync(engineUserFolder, { recursive: true, force: true });
});
