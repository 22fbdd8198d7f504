// Guards Status: every guard's state in a store, decoded and rendered as one page (pure).
export type * from './types';
export { buildSnapshot } from './snapshot';
export { GUARD_KINDS, LIMITER_NOTE, limiterNote, scopeOfNamespace } from './common';
export { renderStatusPage, MAX_REFRESH_SECONDS, type RenderOptions } from './render';
export { esc } from './html';
