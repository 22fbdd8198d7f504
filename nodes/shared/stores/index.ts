/** The state layer's public surface: nodes import from here, never from a backend file. */
export * from './types';
export {
	openStore,
	closeAllStores,
	evictIdleStores,
	STORE_IDLE_MS,
	type OpenStoreOptions,
} from './factory';
export { SqliteStore } from './sqlite';
export { RedisStore } from './redis';
export { PostgresStore, quoteIdent } from './postgres';
export { MAX_KEY_BYTES, MAX_NAMESPACE_BYTES } from './validate';
export type { StackResult } from './limiterStack';
export {
	closeAllLimiters,
	heldLimiterViews,
	recordLimiterIn,
	HoldPastMaxWait,
	limiterFor,
	pause,
	type AcquireOptions,
	type HoldOptions,
	type TokenLimiter,
} from './limiter';
export {
	updateRecords,
	StoreContentionError,
	type AbsentRecords,
	type Decide,
	type Decision,
} from './update';
