/**
 * Guards Status's outputs, declared once. The editor's expression, the fail-closed routes
 * and each operation's routing derive from these.
 */
export const OUTPUTS = {
	snapshot: ['Snapshot'],
	renderPage: ['Page'],
} as const;

export type Operation = keyof typeof OUTPUTS;
export type OutputName<Op extends Operation> = (typeof OUTPUTS)[Op][number];

/** No refusal output: a store failure fails the node, or leaves as an error item under Continue. */
export const REFUSAL_OUTPUTS: readonly string[] = [];

/**
 * The output names for the node's parameters. n8n evaluates it in the editor from its
 * source text: it refers to nothing outside its body.
 */
export function outputNames(
	parameters: Record<string, unknown>,
	declared: Readonly<Record<string, readonly string[]>>,
): readonly string[] {
	return declared[(parameters.operation as string | undefined) ?? 'snapshot'] ?? ['Snapshot'];
}
