import type { OutputDeclaration } from '../../shared';

/**
 * The outputs of each operation, in order: the one declaration the panel's outputs, the
 * router's operations and every `op.outputs.push(name, …)` derive from.
 */
export const OUTPUTS = {
	waitForSlot: ['Proceed', 'Over Limit'],
	sendRequest: ['Success', 'Failed'],
	backoff: ['Retry', 'Give Up'],
	quota: ['Continue', 'Alert'],
	learnFromResponse: ['OK', 'Retry', 'Give Up'],
} as const satisfies OutputDeclaration;

export type Operation = keyof typeof OUTPUTS;
export type OutputOf<Op extends Operation> = (typeof OUTPUTS)[Op][number];

/** The outputs that are not a happy path: where items go when the node fails closed under On Error: Continue. */
export const REFUSAL_OUTPUTS: ReadonlyArray<OutputOf<Operation>> = [
	'Over Limit',
	'Failed',
	'Give Up',
	'Alert',
];

/**
 * The outputs the panel shows for the node's parameters. n8n evaluates it from its
 * source text (see outputsExpression), so it refers to nothing outside its body; every
 * version has the same outputs.
 */
export function outputNames(
	parameters: Record<string, unknown>,
	declared: OutputDeclaration,
): readonly string[] {
	const operation = typeof parameters.operation === 'string' ? parameters.operation : 'waitForSlot';
	return Object.keys(declared).includes(operation) ? declared[operation] : declared.waitForSlot;
}
