/**
 * Circuit Breaker's inputs and outputs, declared once. The editor's expressions, the
 * fail-closed routes and each operation's routing all derive from these.
 */
export const OUTPUTS = {
	check: ['Proceed', 'Open'],
	record: ['Success', 'Failure'],
	stats: ['Stats'],
	setState: ['Done'],
} as const;

export type Operation = keyof typeof OUTPUTS;
export type OutputName<Op extends Operation> = (typeof OUTPUTS)[Op][number];

/** The outputs that are not a happy path: where items go when the node fails closed under On Error: Continue. */
export const REFUSAL_OUTPUTS: readonly string[] = ['Open', 'Failure'];

/**
 * Inputs of the operations that take more than one: Record takes the vendor node's
 * success and error outputs when the outcome comes from its inputs.
 */
export const INPUTS = {
	record: ['Success', 'Failure'],
} as const;

/**
 * The output names for the node's parameters. n8n evaluates it in the editor from its
 * source text: it refers to nothing outside its body.
 */
export function outputNames(
	parameters: Record<string, unknown>,
	declared: Readonly<Record<string, readonly string[]>>,
): readonly string[] {
	return declared[(parameters.operation as string | undefined) ?? 'check'] ?? ['Done'];
}

/**
 * The node's inputs for its parameters: one plain input, or Record's two named ones when
 * the outcome comes from its inputs. Evaluated by n8n from its source text, like
 * `outputNames`.
 */
export function inputsFor(
	parameters: Record<string, unknown>,
	declared: Readonly<Record<string, readonly string[]>>,
): Array<string | { type: string; displayName: string }> {
	const operation = (parameters.operation as string | undefined) ?? 'check';
	const named =
		operation === 'record' && (parameters.outcomeFrom ?? 'inputs') !== 'inputs'
			? undefined
			: declared[operation];
	return named === undefined
		? ['main']
		: named.map((displayName) => ({ type: 'main', displayName }));
}

/** The description's `inputs`: `inputsFor` as an expression over `$parameter`. */
export const INPUTS_EXPRESSION: `={{${string}}}` = `={{(${inputsFor.toString()})($parameter, ${JSON.stringify(INPUTS)})}}`;
