// The one entry point of the shared code: nodes and credentials import from here only,
// so the build can bundle it once (dist/shared/index.js) for all of them.

// The n8n adapter, flat: what a node file calls (parameters, operations, outputs, stores,
// errors, pairing).
export * from './n8n/common';
export * from './n8n/displayOptions';
export * from './n8n/http';
export * from './n8n/itemKeys';
export * from './n8n/n8nApi';
export * from './n8n/operation';
export * from './n8n/outputs';
export * from './n8n/pairedOperation';
export * from './n8n/parameters';
export * from './n8n/store';

// The pure core and the store layer, one namespace per concept: `breaker.resolveBreakerPolicy`,
// `ratelimit.planLimiter`, `stores.Store`.
export * as breaker from './core/breaker';
export * as clock from './core/clock';
export * as correlation from './core/correlation';
export * as cost from './core/cost';
export * as deadletter from './core/deadletter';
export * as errors from './core/errors';
export * as expiry from './core/expiry';
export * as hash from './core/hash';
export * as idempotency from './core/idempotency';
export * as json from './core/json';
export * as paths from './core/paths';
export * as percentages from './core/percentages';
export * as ratelimit from './core/ratelimit';
export * as regex from './core/regex';
export * as schema from './core/schema';
export * as status from './core/status';
export * as time from './core/time';
export * as transform from './core/transform';
export * as stores from './stores';
