import type { INodeExecutionData, INodeOutputConfiguration } from 'n8n-workflow';

/**
 * A node's outputs, declared once: the output names of each operation, in order. The
 * panel's outputs expression and the operations' routing both derive from it, so an
 * output cannot be renamed or moved in one place and not the other.
 */
export type OutputDeclaration = Readonly<Record<string, readonly string[]>>;

/**
 * The names of the outputs a node shows for its parameters and version, as a pure
 * function of them and of the declaration. n8n evaluates it in the editor from its
 * source text, so it must not refer to anything outside its own body: the declaration
 * comes in as an argument.
 */
export type OutputNamesFunction<Declaration extends OutputDeclaration = OutputDeclaration> = (
	parameters: Record<string, unknown>,
	declared: Declaration,
	version: number,
) => readonly string[];

/** The node description's `outputs`: an expression n8n evaluates with `$parameter` and `$nodeVersion`. */
export function outputsExpression<Declaration extends OutputDeclaration>(
	names: OutputNamesFunction<Declaration>,
	declared: Declaration,
): string {
	return `={{((${names.toString()})($parameter, ${JSON.stringify(declared)}, $nodeVersion)).map((displayName) => ({ type: 'main', displayName }))}}`;
}

/** The same outputs, evaluated here (fail-closed routing, tests). */
export function outputsFor<Declaration extends OutputDeclaration>(
	names: OutputNamesFunction<Declaration>,
	declared: Declaration,
	parameters: Record<string, unknown>,
	version: number,
): INodeOutputConfiguration[] {
	return names(parameters, declared, version).map((displayName) => ({
		type: 'main',
		displayName,
	}));
}

/**
 * Where each named output of an operation is, from its names in order. Asking for a
 * name the operation does not have is a programming error and throws, rather than
 * routing items to a wrong or missing output.
 */
export class OutputRoutes<Name extends string = string> {
	readonly buckets: INodeExecutionData[][];
	private readonly indices: ReadonlyMap<string, number>;

	constructor(readonly names: readonly Name[]) {
		this.indices = new Map(names.map((name, index) => [name, index]));
		this.buckets = names.map(() => []);
	}

	index(name: Name): number {
		const index = this.indices.get(name);
		if (index === undefined) {
			throw new Error(`No output named "${name}" here: the outputs are ${this.names.join(', ')}`);
		}
		return index;
	}

	has(name: string): name is Name {
		return this.indices.has(name);
	}

	push(name: Name, ...items: INodeExecutionData[]): void {
		this.buckets[this.index(name)].push(...items);
	}
}
