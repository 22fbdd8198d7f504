/**
 * Every output of every operation, declared once, in order. The panel's outputs
 * expression and the operations' routing both come from `outputNames` over this
 * declaration, so an output's name and its index cannot disagree.
 */
export const OUTPUTS = {
	// Succeeded only with Incoming Items: All Responses; Not Captured only from version 2.
	capture: ['Captured', 'Auth Failure', 'Depth Alert', 'Succeeded', 'Not Captured'],
	// Needs Input only from version 2.2: records a replay cannot send as captured (redacted values).
	replay: ['Replay', 'Not Replayed', 'Needs Input'],
	captureExecution: ['Captured', 'Auth Failure', 'Depth Alert', 'Not Captured'],
	resolve: ['Resolved', 'Not Resolved'],
	list: ['Records'],
	stats: ['Stats', 'Depth Alert'],
	purge: ['Done'],
	release: ['Released'],
} as const;

export type Operation = keyof typeof OUTPUTS;
export type OutputName<Op extends Operation = Operation> = (typeof OUTPUTS)[Op][number];

/** The outputs that are not a happy path: where items go when the node fails closed under On Error: Continue. */
export const REFUSAL_OUTPUTS: readonly string[] = ['Not Captured', 'Not Replayed', 'Not Resolved'];
/** Capture version 1 has no Not Captured output: what could not be stored pages someone, as an auth failure does. */
export const REFUSAL_OUTPUTS_V1: readonly string[] = ['Auth Failure', ...REFUSAL_OUTPUTS];

/**
 * Output names of the operation the parameters choose, for the node's version.
 * Evaluated by n8n in the editor from its source text (see outputsExpression): it must
 * not refer to anything outside its own body; the declaration comes in as `declared`.
 */
export function outputNames(
	parameters: { operation?: unknown; incoming?: unknown },
	declared: Readonly<Record<string, readonly string[]>>,
	version?: number,
): readonly string[] {
	const operation = typeof parameters.operation === 'string' ? parameters.operation : 'capture';
	const names = declared[operation];
	if (!Array.isArray(names)) return ['Done'];
	if (operation === 'replay')
		return names.filter((name) => name !== 'Needs Input' || (version ?? 2.2) >= 2.2);
	if (operation !== 'capture') return names;
	return names.filter(
		(name) =>
			(name !== 'Succeeded' || parameters.incoming === 'responses') &&
			// Items the queue could not store (unreachable, full): never on Captured. Version 2 only:
			// a new output moves the error output's index, and saved version 1 workflows wire it.
			(name !== 'Not Captured' || (version ?? 2) >= 2),
	);
}
