/**
 * Output names per operation. Evaluated by n8n in the editor from the node's
 * parameters, so it is serialised into an expression: it must not refer to anything
 * outside its own body.
 */
export function outputsForOperation(
	parameters: { operation?: string; incoming?: string },
	version?: number,
) {
	const operation = parameters.operation ?? 'capture';
	let names = ['Done'];
	if (operation === 'capture') {
		names = ['Captured', 'Auth Failure', 'Depth Alert'];
		if (parameters.incoming === 'responses') names.push('Succeeded');
		// Items the queue could not store (unreachable, full): never on Captured. Version 2 only:
		// a new output moves the error output's index, and saved version 1 workflows wire it.
		if ((version ?? 2) >= 2) names.push('Not Captured');
	} else if (operation === 'replay') {
		names = ['Replay', 'Not Replayed'];
	} else if (operation === 'resolve') {
		names = ['Resolved', 'Not Resolved'];
	} else if (operation === 'list') {
		names = ['Records'];
	} else if (operation === 'stats') {
		names = ['Stats', 'Depth Alert'];
	}
	return names.map((displayName) => ({ type: 'main', displayName }));
}
