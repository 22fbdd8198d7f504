/** The Postgres backend: the store (store.ts), its queue (queue.ts) and its SQL (migrations.ts). */
export { PostgresStore } from './store';
export { quoteIdent } from './migrations';
