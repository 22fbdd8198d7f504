import type { AjvValidators } from './ajv';
import { inSchemaOrder, type SchemaModel } from './model';
import { applyEdits, type Edit } from './edits';
import {
	classifyErrors,
	makeFinding,
	MAX_FINDINGS_PER_ITEM,
	newFieldFindings,
	type Classified,
} from './explain';
import { describeFound, shownSegments } from './secrets';
import type { AcceptedChange, ChangeKind, Contract, Finding, PathSegment, Problem } from './types';
import { formatPath, toPointer, valueAt } from './values';

export { MAX_FINDINGS_PER_ITEM } from './explain';

/** What validation needs of a compiled schema. */
export interface Validator {
	validators: AjvValidators;
	model: Pick<SchemaModel, 'fieldOrder'>;
}

export interface Verdict {
	outcome: 'valid' | 'invalid' | 'frozen';
	/** The item as it leaves: the input itself, or a copy with discarded values. */
	json: unknown;
	/** Why the item is invalid, at most `maxProblems` of them. */
	problems: Problem[];
	/** All problems, including those not listed. */
	problemCount: number;
	/** Changes the contract let through (evolve, discard value). */
	changes: AcceptedChange[];
	/** The change that froze the node. */
	frozen?: Finding & { kind: ChangeKind };
	/** Everything found, before the contract: what drift detection counts. */
	findings: Finding[];
}

/**
 * Checks one item against the schema and applies the contract to what changed. Never
 * throws for anything in the item: data that defeats the validator (nested too deep
 * for the stack, getters that throw) makes the item invalid, with that as the reason.
 */
export function checkItem(
	validator: Validator,
	json: unknown,
	contract: Contract,
	maxProblems = 20,
	/** isCleanlyValid said no already: it is not asked again. */
	notClean = false,
): Verdict {
	if (!notClean && isCleanlyValid(validator, json)) return cleanlyValid(json);
	const { fast, explain, closedExplain } = validator.validators;
	let classified: Classified;
	try {
		if (!isPlainJson(json, 0, true))
			return notJson(json, alienValues(json), contract, maxProblems, validator);
		if (fast(json)) {
			// Valid, with a field the schema does not declare: isCleanlyValid's closed pass failed.
			classified = { findings: [], overflow: false };
			closedExplain(json);
			newFieldFindings(json, closedExplain.errors ?? [], classified);
		} else {
			explain(json);
			classified = classifyErrors(json, explain.errors ?? []);
			if (classified.findings.length === 0) classified = classifyErrors(json, fast.errors ?? []);
			if (classified.findings.length === 0)
				classified.findings.push(
					makeFinding('invalidValue', [], 'a value the schema accepts', json),
				);
			closedExplain(json);
			const known = classified.findings.map((finding) => toPointer(finding.segments));
			const added: Classified = { findings: [], overflow: false };
			newFieldFindings(json, closedExplain.errors ?? [], added);
			// A field in a branch that failed is not new: it is there for another reason.
			for (const finding of added.findings) {
				const pointer = toPointer(finding.segments);
				if (!known.some((other) => pointer.startsWith(other) || other.startsWith(pointer)))
					classified.findings.push(finding);
			}
		}
	} catch (error) {
		return unreadable(json, error);
	}
	if (classified.overflow || classified.findings.length > MAX_FINDINGS_PER_ITEM)
		return tooManyFindings(json, classified.findings);
	const findings = inSchemaOrder(classified.findings, validator.model.fieldOrder);
	return applyContract(json, findings, contract, maxProblems);
}

/**
 * Whether checkItem would find nothing at all: the item is valid, has no field the schema
 * does not declare, and leaves as it came (a valid verdict, no findings, no changes). The
 * common item's whole check, with nothing allocated: the node asks this first and calls
 * checkItem only when it says no. Anything thrown means no (checkItem then says why).
 */
export function isCleanlyValid(validator: Validator, json: unknown): boolean {
	const { fast, closed, folded, foldedShowsPlain } = validator.validators;
	try {
		// Where the schema's shape proves it, the folded pass stands for the walk below.
		if (folded !== undefined && foldedShowsPlain === true && isPlainObject(json) && folded(json))
			return true;
		// Plain to the bottom, as the folded pass needs (ajv.ts, needsOwnProperties): an item
		// deeper than the walk goes takes the slow path.
		if (!isPlainJson(json, 0, false)) return false;
		if (folded !== undefined && foldedShowsPlain !== true && folded(json)) return true;
		return fast(json) && closed(json);
	} catch {
		return false;
	}
}

function isPlainObject(value: unknown): boolean {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
	const prototype = Object.getPrototypeOf(value) as unknown;
	return prototype === Object.prototype || prototype === null;
}

/** Nothing found: shared by every valid item (read, never written). */
const NOTHING: never[] = Object.freeze([]) as unknown as never[];

/** Valid, with no field the schema does not declare: the item leaves as it came. */
function cleanlyValid(json: unknown): Verdict {
	// `changes` leaves with the item (its result): its own array.
	return {
		outcome: 'valid',
		json,
		problems: NOTHING,
		problemCount: 0,
		changes: [],
		findings: NOTHING,
	};
}

const ALIEN_DEPTH = 100;

/**
 * The fast check behind alienValues: one walk, text and booleans settled without a call.
 * Own values only (Object.values, quicker than for…in here): a plain object's prototype
 * has no enumerable fields of its own. Below ALIEN_DEPTH levels (or in a cycle) it stops
 * looking and answers `beyond`.
 */
function isPlainJson(value: unknown, depth: number, beyond: boolean): boolean {
	if (typeof value === 'string' || typeof value === 'boolean' || value === undefined) return true;
	// Finite: NaN and ±Infinity give NaN.
	if (typeof value === 'number') return value - value === 0;
	if (typeof value !== 'object') return false;
	if (value === null) return true;
	// Deeper than this (or a cycle) is left to Ajv, which looks only where the schema does.
	if (depth > ALIEN_DEPTH) return beyond;
	if (Array.isArray(value)) {
		for (let index = 0; index < value.length; index++)
			if (!isPlainJson(value[index], depth + 1, beyond)) return false;
		return true;
	}
	const prototype = Object.getPrototypeOf(value) as unknown;
	if (prototype !== Object.prototype && prototype !== null) return false;
	const values = Object.values(value);
	for (let index = 0; index < values.length; index++) {
		const child = values[index];
		if (typeof child === 'string' || typeof child === 'boolean') continue;
		if (!isPlainJson(child, depth + 1, beyond)) return false;
	}
	return true;
}

/**
 * Values JSON cannot carry (a Date, a Map, a class instance, a function, NaN) that an
 * expression left in the item. Ajv would read a Date as an object: the guard names each
 * as a type change instead. At most 100, outermost only; valid JSON costs one walk.
 */
function alienValues(root: unknown): PathSegment[][] {
	const found: PathSegment[][] = [];
	const walk = (value: unknown, path: PathSegment[], depth: number): void => {
		if (found.length >= 100) return;
		switch (typeof value) {
			case 'string':
			case 'boolean':
			case 'undefined':
				return;
			case 'number':
				if (!Number.isFinite(value)) found.push(path);
				return;
			case 'object': {
				if (value === null || depth > ALIEN_DEPTH) return;
				if (Array.isArray(value)) {
					for (let index = 0; index < value.length; index++)
						walk(value[index], [...path, index], depth + 1);
					return;
				}
				const prototype = Object.getPrototypeOf(value) as unknown;
				if (prototype !== Object.prototype && prototype !== null) {
					found.push(path);
					return;
				}
				for (const key in value)
					if (Object.hasOwn(value, key))
						walk((value as Record<string, unknown>)[key], [...path, key], depth + 1);
				return;
			}
			default:
				found.push(path);
		}
	};
	walk(root, [], 0);
	return found;
}

function notJson(
	json: unknown,
	alien: PathSegment[][],
	contract: Contract,
	maxProblems: number,
	validator: Validator,
): Verdict {
	const { explain } = validator.validators;
	explain(json);
	const found = classifyErrors(json, explain.errors ?? []).findings;
	const pointers = alien.map((segments) => toPointer(segments));
	// What the schema says about the value itself stands (an enum names it); nothing
	// inside a value that is not JSON is looked at.
	const findings = found.filter(
		(finding) => !pointers.some((other) => toPointer(finding.segments).startsWith(`${other}/`)),
	);
	for (const [index, segments] of alien.entries()) {
		if (findings.some((finding) => toPointer(finding.segments) === pointers[index])) continue;
		const value = valueAt(json, segments);
		findings.push(
			makeFinding(
				'typeChanged',
				segments,
				'a JSON value (text, a number, true or false, null, an object or a list)',
				value,
				describeFound(segments, value),
			),
		);
	}
	return applyContract(
		json,
		inSchemaOrder(findings, validator.model.fieldOrder),
		contract,
		maxProblems,
	);
}

function applyContract(
	json: unknown,
	findings: Finding[],
	contract: Contract,
	maxProblems: number,
): Verdict {
	const frozen = findings.find(
		(finding) => isChange(finding) && modeFor(finding, contract) === 'freeze',
	);
	if (frozen) {
		return {
			outcome: 'frozen',
			json,
			problems: [],
			problemCount: 0,
			changes: [],
			frozen: frozen as Verdict['frozen'],
			findings,
		};
	}
	const problems: Problem[] = [];
	let problemCount = 0;
	const changes: AcceptedChange[] = [];
	const edits: Edit[] = [];
	for (const finding of findings) {
		let mode = isChange(finding) ? modeFor(finding, contract) : 'discardRow';
		// The item itself cannot be discarded and still leave as an item.
		if (mode === 'discardValue' && finding.segments.length === 0) mode = 'discardRow';
		if (mode === 'discardRow') {
			if (problemCount++ < maxProblems) problems.push(toProblem(finding));
			continue;
		}
		if (mode === 'discardValue') {
			edits.push({
				segments: finding.segments,
				op: finding.kind === 'requiredMissing' ? 'null' : 'remove',
			});
		}
		changes.push({
			kind: finding.kind as ChangeKind,
			path: formatPath(shownSegments(finding.segments)),
			action: mode as AcceptedChange['action'],
			expected: finding.expected,
			received: finding.received,
		});
	}
	if (problemCount > 0)
		return { outcome: 'invalid', json, problems, problemCount, changes: [], findings };
	return {
		outcome: 'valid',
		json: applyEdits(json, edits),
		problems,
		problemCount,
		changes,
		findings,
	};
}

function isChange(finding: Finding): finding is Finding & { kind: ChangeKind } {
	return (
		finding.kind === 'fieldAdded' ||
		finding.kind === 'typeChanged' ||
		finding.kind === 'requiredMissing'
	);
}

/** `additionalProperties: false` forbids passing a new field on: there, evolve means discard row. */
function modeFor(finding: Finding & { kind: ChangeKind }, contract: Contract) {
	const mode = contract[finding.kind];
	return finding.kind === 'fieldAdded' && finding.closed === true && mode === 'evolve'
		? 'discardRow'
		: mode;
}

export function toProblem(finding: Finding): Problem {
	return {
		kind: finding.kind,
		path: formatPath(shownSegments(finding.segments)),
		pointer: toPointer(shownSegments(finding.segments)),
		expected: finding.expected,
		received: finding.received,
		message: finding.message,
	};
}

function unreadable(json: unknown, error: unknown): Verdict {
	const deep = error instanceof RangeError;
	const finding = makeFinding(
		'invalidValue',
		[],
		deep ? 'data nested few enough levels to check' : 'data that can be read',
		json,
		deep
			? 'nested too deeply to check (a cycle, or thousands of levels)'
			: `unreadable (${errorText(error)})`,
	);
	finding.message = deep
		? 'The item is nested too deeply to check: it holds a cycle, or thousands of levels'
		: `The item could not be read: ${errorText(error)}`;
	return {
		outcome: 'invalid',
		json,
		problems: [toProblem(finding)],
		problemCount: 1,
		changes: [],
		findings: [finding],
	};
}

function tooManyFindings(json: unknown, findings: Finding[]): Verdict {
	const finding = makeFinding(
		'invalidValue',
		[],
		`at most ${MAX_FINDINGS_PER_ITEM} differences from the schema`,
		json,
		`more than ${MAX_FINDINGS_PER_ITEM} differences`,
	);
	finding.message = `The item differs from the schema in more than ${MAX_FINDINGS_PER_ITEM} places, too many to apply the contract to`;
	return {
		outcome: 'invalid',
		json,
		problems: [toProblem(finding)],
		problemCount: 1,
		changes: [],
		findings,
	};
}

function errorText(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
