import type { OutputDeclaration } from '../../shared';

/**
 * The outputs of each operation, in order: the one declaration the panel's outputs, the
 * router's operations and every `op.outputs.push(name, …)` derive from.
 */
export const OUTPUTS = {
	waitForSlot: ['Proceed', 'Over Limit'],
	sendRequest: ['Success', 'Failed'],
	// No Error from version 2.1: items that carry no error pass through untouched.
	backoff: ['Retry', 'Give Up', 'No Error'],
	quota: ['Continue', 'Alert'],
	learnFromResponse: ['OK', 'Retry', 'Give Up'],
	// After the vendor node: gives the item's in-flight slot back; every item continues.
	releaseSlot: ['Continue'],
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
 * The outputs the panel shows for the node's parameters and version. n8n evaluates it from
 * its source text (see outputsExpression), so it refers to nothing outside its body.
 * Backoff's No Error output is new in version 2.1: saved workflows of older versions keep
 * their two outputs.
 */
export function outputNames(
	parameters: Record<string, unknown>,
	declared: OutputDeclaration,
	version?: number,
): readonly string[] {
	const operation = typeof parameters.operation === 'string' ? parameters.operation : 'waitForSlot';
	const names = Object.keys(declared).includes(operation)
		? declared[operation]
		: declared.waitForSlot;
	return operation === 'backoff' && (version ?? 2.1) < 2.1
		? names.filter((name) => name !== 'No Error')
		: names;
}
