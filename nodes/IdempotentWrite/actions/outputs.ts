/**
 * Idempotent Write's outputs, declared once. The editor's expression, the fail-closed
 * routes and each operation's routing all derive from these.
 */
export const OUTPUTS = {
	claim: ['Proceed', 'Duplicate', 'In Flight', 'Conflict', 'Reconcile'],
	complete: ['Done'],
	release: ['Done'],
	markOutcomeUnknown: ['Done'],
	lookUp: ['Done'],
	forget: ['Done'],
} as const;

export type Operation = keyof typeof OUTPUTS;
export type OutputName<Op extends Operation> = (typeof OUTPUTS)[Op][number];

/** The outputs that are not a happy path: where items go when the node fails closed under On Error: Continue. */
export const REFUSAL_OUTPUTS: readonly string[] = ['Conflict'];

/**
 * The output names for the node's parameters. n8n evaluates it in the editor from its
 * source text: it refers to nothing outside its body.
 */
export function outputNames(
	parameters: Record<string, unknown>,
	declared: Readonly<Record<string, readonly string[]>>,
): readonly string[] {
	return declared[(parameters.operation as string | undefined) ?? 'claim'] ?? ['Done'];
}
