// A full garbage collection for the engine bench and the memory test, with or without
// `--expose-gc`.
import v8 from 'node:v8';
import vm from 'node:vm';

/** `--expose-gc`'s global `gc`, or V8's own, its flag set at run time. */
export function fullGc(): () => void {
	const exposed = (globalThis as { gc?: () => void }).gc;
	if (exposed) return exposed;
	v8.setFlagsFromString('--expose-gc');
	return vm.runInNewContext('gc') as () => void;
}
