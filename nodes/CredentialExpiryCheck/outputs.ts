import type { expiry } from '../shared';

/** The node's outputs, declared once, in order: the panel and the routing derive from it. */
export const OUTPUT_NAMES = ['OK', 'Attention', 'Expired or Failing'] as const;

export type OutputName = (typeof OUTPUT_NAMES)[number];

/** The output each route of a finding's status leaves on. */
export const ROUTE_OUTPUT: Record<expiry.ExpiryRoute, OutputName> = {
	ok: 'OK',
	attention: 'Attention',
	expiredOrFailing: 'Expired or Failing',
};

/** The outputs that are not a happy path: where items go when the node fails closed under On Error: Continue. */
export const REFUSAL_OUTPUTS: readonly OutputName[] = ['Attention'];
