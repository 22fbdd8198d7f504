// Large enqueues (issue 17): a batch of more entries than one statement carries (Postgres:
// several statements in one transaction) or than a Capture usually stores, on every store
// with a queue. Each new id comes back once, in order; entries named twice in the batch or
// already in the queue do not; the data is kept exactly, `\u0000` included.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { JsonValue } from '../../nodes/shared/core/json';
import type { Store } from '../../nodes/shared/stores/types';
import { postgresHarness, sqliteHarness, type StoreHarness } from '../support/stores';

const BATCH = 12_000;

for (const harness of [sqliteHarness(), postgresHarness()] satisfies StoreHarness[]) {
	describe(`queue batches: ${harness.backend}`, () => {
		let store: Store;
		before(async () => {
			await harness.check();
			store = harness.create();
		});
		after(async () => {
			await store.close();
			await harness.cleanup();
		});

		test(`${BATCH} entries in one enqueue, duplicates across its parts, then the same batch again`, async () => {
			const queue = store.queue!;
			const name = `batches-${Date.now()}`;
			const entries = Array.from({ length: BATCH }, (_, index) => ({
				// Entry 7,000 repeats entry 10: the second is not new, in another statement on Postgres.
				id: `id-${String(index === 7000 ? 10 : index).padStart(6, '0')}`,
				category: index % 2 ? 'transient' : null,
				data: {
					index,
					text: index === 11_999 ? 'a\u0000b "quoted" \\ back' : `record ${index}`,
				} as Record<string, JsonValue>,
			}));
			const added = await queue.enqueue(name, entries);
			assert.equal(added.length, BATCH - 1);
			assert.deepEqual(
				added,
				entries.filter((_, index) => index !== 7000).map((entry) => entry.id),
			);
			assert.deepEqual(await queue.enqueue(name, entries), []);
			const stats = await queue.stats(name);
			assert.equal(stats.pending, BATCH - 1);
			const [last] = await queue.list(name, { ids: ['id-011999'], limit: 1 });
			assert.deepEqual(last.data, entries[11_999].data);
			assert.equal(last.category, 'transient');
			const [first] = await queue.list(name, { ids: ['id-000000'], limit: 1 });
			assert.equal(first.category, null);
			assert.deepEqual(first.data, { index: 0, text: 'record 0' });
		});
	});
}
