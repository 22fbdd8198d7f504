// Rate Limiter: backoff maths, rate-limit headers, learned limits, limiter rates,
// quota windows, bulk results, retry rules, what a response says (pure, no n8n, no I/O).
export * from './backoff';
export * from './headers';
export * from './rate';
export * from './learned';
export * from './quota';
export * from './bulk';
export * from './retry';
export * from './response';
export * from './schedule';
export * from './trace';
export * from './stack';
