/**
 * Every output of every operation, declared once, in order. The operations route by
 * these names (OutputRoutes); the panel shows each operation's one output unnamed (see
 * versionDescription), so the names never reach a saved workflow.
 */
export const OUTPUTS = {
	transform: ['Converted'],
	exportMapping: ['Mapping'],
} as const;

export type Operation = keyof typeof OUTPUTS;
export type OutputName<Op extends Operation = Operation> = (typeof OUTPUTS)[Op][number];

/**
 * No output is a refusal: Canonical Transform keeps no state, so a failure under On Error:
 * Continue leaves on its only output (or the error output), as an item that cannot be
 * converted does.
 */
export const REFUSAL_OUTPUTS: readonly string[] = [];

/**
 * Output names of the operation the parameters choose. An operation this version does not
 * know runs Transform (as it did before the router), so it has Transform's outputs. Pure
 * and self-contained, in the shape of `OutputNamesFunction`, should the panel ever name them.
 */
export function outputNames(
	parameters: { operation?: unknown },
	declared: Readonly<Record<string, readonly string[]>>,
): readonly string[] {
	const operation = typeof parameters.operation === 'string' ? parameters.operation : 'transform';
	const names = declared[operation];
	return Array.isArray(names) ? names : declared.transform;
}
