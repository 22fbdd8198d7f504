/**
 * The vocabulary of Schema Guard, shared by the converter, validation, drift and the
 * node. Pure types and one error class: nothing here touches n8n or a store.
 */

/** A path in an item: object keys and array indexes. */
export type PathSegment = string | number;
export type DataPath = readonly PathSegment[];

/**
 * The three kinds of change a contract decides on (the first three drift kinds). Named
 * as the drift report names them, so one word means one thing across the package.
 */
export type ChangeKind = 'fieldAdded' | 'typeChanged' | 'requiredMissing';

/** Everything the drift report can say about a batch. */
export type DriftKind = ChangeKind | 'unseenEnumValue' | 'nullRateJump';

/**
 * What to do with a change, after dlt's schema contracts:
 * - evolve: accept it and pass the item on as it is (reported);
 * - discardValue: pass the item on without the offending value (reported): a new field
 *   is removed, a value of the wrong type is removed, a missing field is set to null;
 * - discardRow: route the item to Invalid;
 * - freeze: stop: the node fails, naming the change.
 */
export type ContractMode = 'evolve' | 'discardValue' | 'discardRow' | 'freeze';

export type Contract = Record<ChangeKind, ContractMode>;

/** A guard's defaults: tolerate additions (reported), reject what breaks consumers. */
export const DEFAULT_CONTRACT: Readonly<Contract> = Object.freeze({
	fieldAdded: 'evolve',
	typeChanged: 'discardRow',
	requiredMissing: 'discardRow',
});

export const CONTRACT_MODES: readonly ContractMode[] = [
	'evolve',
	'discardValue',
	'discardRow',
	'freeze',
];
export const CHANGE_KINDS: readonly ChangeKind[] = ['fieldAdded', 'typeChanged', 'requiredMissing'];

/**
 * One thing wrong with one item, in plain words. `path` is for people
 * (`lines[2].sku`), `pointer` for programs (`/lines/2/sku`).
 */
export interface Problem {
	kind: ChangeKind | 'unseenEnumValue' | 'invalidValue';
	path: string;
	pointer: string;
	/** What the schema wants, e.g. `a string in email format`. */
	expected: string;
	/** What the item has, e.g. `a number (42)` or `nothing (the field is missing)`. */
	received: string;
	/** One sentence: `age should be an integer, but it is a string ("42")`. */
	message: string;
}

/** A change the contract let through (evolve, discard value), as recorded on the item. */
export interface AcceptedChange {
	kind: ChangeKind;
	path: string;
	action: 'evolve' | 'discardValue';
	expected: string;
	received: string;
}

/**
 * A classified finding on one item, before the contract applies: what drift detection
 * counts and what the contract decides on. `segments` is the concrete path in the item.
 */
export interface Finding {
	kind: ChangeKind | 'unseenEnumValue' | 'invalidValue';
	segments: DataPath;
	/** The path with array indexes replaced by `[]`, the key drift is counted under. */
	fieldPath: string;
	expected: string;
	/** The JSON type of what was found (`string`, `null`, `date (not JSON)`…), `missing` when absent. */
	receivedType: string;
	received: string;
	/** The offending value for enum findings (the drift report lists new values). */
	value?: unknown;
	/** fieldAdded in an object whose schema says `additionalProperties: false`. */
	closed?: boolean;
	message: string;
}

/**
 * A schema that cannot be used, pointing at the JSON pointer that is wrong
 * (`/properties/age/type`). Thrown before any item is looked at.
 */
export class SchemaError extends Error {
	/** JSON pointer into the schema document ('' is the whole document), or into the field list. */
	readonly pointer: string;
	/** How to fix it, when there is more to say than the message. */
	readonly hint?: string;

	/**
	 * @param subject what the message is about when not "the schema at <pointer>", e.g.
	 * `Field 3 ("customer.email")` or `The sample`.
	 */
	constructor(pointer: string, message: string, hint?: string, subject?: string) {
		super(`${subject ?? (pointer === '' ? 'The schema' : `Schema at ${pointer}`)}: ${message}`);
		this.name = 'SchemaError';
		this.pointer = pointer;
		this.hint = hint;
	}
}
