/**
 * Cost Guard's outputs, declared once: each operation's output names, in order. The
 * panel's outputs expression, the routing of every operation and fail-closed routing
 * all derive from this.
 */
export const OUTPUTS = {
	checkBudget: ['Within Budget', 'Over Budget', 'Alert'],
	recordUsage: ['Recorded', 'Alert'],
	report: ['Report'],
	cacheLookup: ['Hit', 'Miss'],
	cacheStore: ['Stored'],
} as const;

export type Operation = keyof typeof OUTPUTS;

/** The output names of one operation. */
export type OutputOf<Op extends Operation> = (typeof OUTPUTS)[Op][number];

/**
 * The outputs that are not a happy path: where items go when the node fails closed
 * under On Error: Continue (Record Usage: nothing was recorded; Cache Lookup: the cache
 * is skipped).
 */
export const REFUSAL_OUTPUTS = ['Over Budget', 'Alert', 'Miss'] as const;

/**
 * Output names for the node's parameters. n8n evaluates it in the editor from its source
 * (outputsExpression), so it refers to nothing outside its own body.
 */
export function outputNames(
	parameters: Record<string, unknown>,
	declared: Readonly<Record<string, readonly string[]>>,
	version: number,
): readonly string[] {
	void version; // one version so far: a version 2 may add outputs by it
	const operation = typeof parameters.operation === 'string' ? parameters.operation : 'checkBudget';
	return declared[operation] ?? ['Done'];
}
