/**
 * A store outage for the engine tests of finding 1 (issue 14): the embedded store made
 * unusable in this process. A Redis outage is simpler: a credential at a closed port.
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { engineN8nFolder } from '../engine/env';

/**
 * Runs `work` with the embedded store unusable: a file where its folder should be, so
 * opening the SQLite file fails even for root. The store's cached connection is closed
 * first, and the folder put back after.
 */
export async function withEmbeddedStoreBlocked<T>(work: () => Promise<T>): Promise<T> {
	await closeAllStores();
	const folder = path.join(engineN8nFolder, 'storage', 'integration-guards');
	const aside = `${folder}.aside-${process.pid}`;
	const had = existsSync(folder);
	if (had) renameSync(folder, aside);
	writeFileSync(folder, 'not a folder');
	try {
		return await work();
	} finally {
		rmSync(folder, { force: true });
		if (had) renameSync(aside, folder);
	}
}
