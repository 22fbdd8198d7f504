// The one entry point of the shared code: nodes and credentials import from here only,
// so the build can bundle it once (dist/shared/index.js) for all of them.
export * from './core/json';
export * from './core/regex';
export * from './core/hash';
export * from './core/clock';
export * from './stores/types';
export * from './n8n/store';
export * from './core/paths';
export * from './core/percentages';
export * from './core/correlation';
export * from './core/idempotency';
export * from './stores/update';
export * from './n8n/common';
export * from './n8n/http';
export * from './core/transform';
export * from './core/schema';
export * from './core/deadletter';
export * from './core/breaker';
export * from './core/expiry';
export * from './core/cost';
export * from './core/ratelimit';
export * from './stores/limiter';
