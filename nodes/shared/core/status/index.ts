// Guards Status: every guard's state in a store, decoded and rendered as one page (pure).
export type * from './types';
export { buildSnapshot, GUARD_KINDS, LIMITER_NOTE, scopeOfNamespace } from './snapshot';
export { renderStatusPage, MAX_REFRESH_SECONDS, type RenderOptions } from './render';
export { esc } from './html';
