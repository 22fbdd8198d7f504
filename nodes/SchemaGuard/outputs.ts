/**
 * Schema Guard's outputs, declared once, in order: the panel's outputs expression and the
 * routing both come from `outputNames` over this declaration.
 */
export const OUTPUTS = { check: ['Valid', 'Invalid', 'Drift Report'] } as const;

export type OutputName = (typeof OUTPUTS)['check'][number];

/** The outputs that are not a happy path: where items go when the node fails closed under On Error: Continue. */
export const REFUSAL_OUTPUTS: readonly string[] = ['Invalid'];

/**
 * Output names from the node's parameters: Drift Report unless it is turned off.
 * Evaluated by n8n in the editor from its source text (see outputsExpression): it must
 * not refer to anything outside its own body; the declaration comes in as `declared`.
 */
export function outputNames(
	parameters: { driftReport?: unknown },
	declared: { check: readonly string[] },
): readonly string[] {
	return declared.check.filter(
		(name) => name !== 'Drift Report' || parameters.driftReport !== false,
	);
}
