/** The embedded backend: the store (store.ts), its queue (queue.ts) and its SQL (migrations.ts). */
export { SqliteStore } from './store';
