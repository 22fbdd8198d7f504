import type { z } from 'zod/v4';

import type { GuardParams } from './checks';
import { describeEnum } from './checks';
import type { SchemaModel } from './convert';
import { applyEdits, type Edit } from './edits';
import { describeFound, shownSegments, shownValue } from './secrets';
import { ZOD_FORMAT_WORDS } from './formats';
import type {
	AcceptedChange,
	ChangeKind,
	Contract,
	DataPath,
	Finding,
	PathSegment,
	Problem,
} from './types';
import {
	describeValue,
	fieldPathOf,
	formatPath,
	isJsonObject,
	jsonTypeOf,
	listWords,
	quote,
	toPointer,
	valueAt,
} from './values';

/** What validation needs of a compiled schema. */
export interface Validator {
	zod: z.ZodType;
	model: SchemaModel;
}

/**
 * Findings kept per item. Past this many, a contract cannot be applied faithfully (a
 * hostile item with a million new fields), so the item goes to Invalid instead.
 */
export const MAX_FINDINGS_PER_ITEM = 10_000;

const TYPE_WORDS: Readonly<Record<string, string>> = {
	string: 'a string',
	number: 'a number',
	int: 'an integer',
	integer: 'an integer',
	boolean: 'a boolean',
	null: 'null',
	object: 'an object',
	array: 'an array',
	tuple: 'an array',
	never: 'no value',
};

const ROOT_TYPE_RULES = new Set<GuardParams['sg']>(['any', 'object', 'integer', 'nothing']);

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
): Verdict {
	let issues: readonly z.core.$ZodIssue[];
	try {
		const result = validator.zod.safeParse(json);
		if (result.success)
			return { outcome: 'valid', json, problems: [], problemCount: 0, changes: [], findings: [] };
		issues = result.error.issues;
	} catch (error) {
		return unreadable(json, error);
	}
	const classified = classifyIssues(json, issues, validator.model);
	if (classified.overflow) return tooManyFindings(json, classified.findings);
	return applyContract(json, classified.findings, contract, maxProblems);
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

/**
 * Turns zod's issues into findings in plain words, each classified as a change the
 * contract decides on (field added, type changed, required missing), an unseen enum
 * value, or an invalid value. Values are read from the item itself, own properties only.
 */
export function classifyIssues(
	root: unknown,
	issues: readonly z.core.$ZodIssue[],
	model: SchemaModel,
): { findings: Finding[]; overflow: boolean } {
	const classifier = new Classifier(root, model);
	for (const issue of issues) classifier.issue(issue, []);
	return { findings: classifier.findings, overflow: classifier.overflow };
}

class Classifier {
	readonly findings: Finding[] = [];
	overflow = false;
	private readonly seen = new Set<string>();

	constructor(
		private readonly root: unknown,
		private readonly model: SchemaModel,
	) {}

	issue(issue: z.core.$ZodIssue, prefix: PathSegment[]): void {
		const segments = [...prefix, ...issue.path.map(toSegment)];
		if (issue.code === 'unrecognized_keys') {
			for (const key of issue.keys) this.newField([...segments, key], segments);
			return;
		}
		const alien = this.alienContainer(segments);
		if (alien !== undefined) {
			this.add('typeChanged', alien, this.expectedContainer(segments, alien.length));
			return;
		}
		const value = valueAt(this.root, segments);
		switch (issue.code) {
			case 'invalid_type':
				this.typeOrMissing(
					segments,
					value,
					this.withNull(segments, TYPE_WORDS[issue.expected] ?? issue.expected),
				);
				return;
			case 'invalid_union':
				this.union(issue, segments, value);
				return;
			case 'custom':
				this.custom(issue, segments, value);
				return;
			case 'invalid_value':
				this.add('unseenEnumValue', segments, describeEnum(issue.values), { value });
				return;
			case 'too_small':
			case 'too_big':
				this.add('invalidValue', segments, sizeWords(issue), {
					received: sizedValue(issue, value, segments),
				});
				return;
			case 'invalid_format':
				this.add('invalidValue', segments, formatWords(issue));
				return;
			case 'not_multiple_of':
				this.add('invalidValue', segments, `a multiple of ${String(issue.divisor)}`);
				return;
			default:
				this.add('invalidValue', segments, issue.message);
		}
	}

	private newField(segments: PathSegment[], objectPath: PathSegment[]): void {
		const alien = this.alienContainer(segments);
		if (alien !== undefined) {
			this.add('typeChanged', alien, this.expectedContainer(segments, alien.length));
			return;
		}
		const closed = this.model.closedObjects.has(
			objectPath.length === 0 ? '' : fieldPathOf(objectPath),
		);
		this.add('fieldAdded', segments, 'no such field (the schema does not list it)', { closed });
	}

	private typeOrMissing(segments: PathSegment[], value: unknown, expected: string): void {
		this.add(value === undefined ? 'requiredMissing' : 'typeChanged', segments, expected);
	}

	/**
	 * A union failed. If no branch accepts the value's type it is a type change; else
	 * the closest branch of that type explains what is wrong (fewest issues).
	 */
	private union(
		issue: z.core.$ZodIssueInvalidUnion,
		segments: PathSegment[],
		value: unknown,
	): void {
		const typeBranches = issue.errors.filter((errors) => !errors.every(isRootTypeIssue));
		if (value === undefined || typeBranches.length === 0) {
			const expected = [
				...new Set(
					issue.errors.flatMap((errors) => errors.filter(isRootTypeIssue).map(expectedOf)),
				),
			];
			this.typeOrMissing(
				segments,
				value,
				this.withNull(segments, listWords(expected) || 'a different value'),
			);
			return;
		}
		const closest = typeBranches.reduce((best, errors) =>
			errors.length < best.length ? errors : best,
		);
		for (const nested of closest) this.issue(nested, segments);
	}

	private custom(issue: z.core.$ZodIssueCustom, segments: PathSegment[], value: unknown): void {
		const params = issue.params as GuardParams | undefined;
		switch (params?.sg) {
			case 'enum':
				this.add('unseenEnumValue', segments, params.expected, { value });
				return;
			case 'integer':
			case 'any':
			case 'object':
				this.typeOrMissing(segments, value, this.withNull(segments, params.expected));
				return;
			case undefined:
				this.add('invalidValue', segments, issue.message);
				return;
			default:
				this.add('invalidValue', segments, params?.expected ?? issue.message);
		}
	}

	/** The shortest path prefix holding a non-JSON object (a Date, a Map) where the schema looked inside. */
	private alienContainer(segments: PathSegment[]): PathSegment[] | undefined {
		let current = this.root;
		for (let depth = 0; depth < segments.length; depth++) {
			if (current === null || typeof current !== 'object') return undefined;
			if (!Array.isArray(current) && !isJsonObject(current)) return segments.slice(0, depth);
			if (!Object.prototype.hasOwnProperty.call(current, segments[depth])) return undefined;
			current = (current as Record<PathSegment, unknown>)[segments[depth]];
		}
		return undefined;
	}

	private expectedContainer(segments: PathSegment[], depth: number): string {
		return typeof segments[depth] === 'number' ? 'an array' : 'an object';
	}

	private withNull(segments: DataPath, expected: string): string {
		if (segments.length === 0 || !this.model.nullableFields.includes(fieldPathOf(segments)))
			return expected;
		return expected.endsWith(' or null') ? expected : `${expected} or null`;
	}

	private add(
		kind: Finding['kind'],
		segments: PathSegment[],
		expected: string,
		extra: { value?: unknown; closed?: boolean; received?: string } = {},
	): void {
		const key = `${kind}\u0000${toPointer(segments)}`;
		if (this.seen.has(key)) return;
		this.seen.add(key);
		if (this.findings.length >= MAX_FINDINGS_PER_ITEM) {
			this.overflow = true;
			return;
		}
		const value = valueAt(this.root, segments);
		const finding = makeFinding(
			kind,
			segments,
			expected,
			value,
			extra.received ?? describeFound(segments, value),
		);
		if (extra.closed) finding.closed = true;
		if (kind === 'unseenEnumValue') finding.value = shownValue(segments, value);
		this.findings.push(finding);
	}
}

function makeFinding(
	kind: Finding['kind'],
	segments: DataPath,
	expected: string,
	value: unknown,
	received?: string,
): Finding {
	const shown = shownSegments(segments);
	const path = formatPath(shown);
	const receivedWords = received ?? describeValue(value);
	return {
		kind,
		segments,
		fieldPath: segments.length === 0 ? '(the item)' : fieldPathOf(shown),
		expected,
		receivedType: jsonTypeOf(value),
		received: receivedWords,
		message: sentence(kind, path, expected, receivedWords),
	};
}

function sentence(kind: Finding['kind'], path: string, expected: string, received: string): string {
	switch (kind) {
		case 'fieldAdded':
			return `${path} is a new field: the schema does not list it`;
		case 'requiredMissing':
			return `${path} is missing: the schema requires it (${expected})`;
		default:
			return `${path} should be ${expected}, but it is ${received}`;
	}
}

function isRootTypeIssue(issue: z.core.$ZodIssue): boolean {
	if (issue.path.length > 0) return false;
	if (issue.code === 'invalid_type') return true;
	if (issue.code === 'custom')
		return ROOT_TYPE_RULES.has((issue.params as GuardParams | undefined)?.sg as GuardParams['sg']);
	return (
		issue.code === 'invalid_union' && issue.errors.every((errors) => errors.every(isRootTypeIssue))
	);
}

function expectedOf(issue: z.core.$ZodIssue): string {
	if (issue.code === 'invalid_type') return TYPE_WORDS[issue.expected] ?? issue.expected;
	if (issue.code === 'custom')
		return (issue.params as GuardParams | undefined)?.expected ?? issue.message;
	return issue.message;
}

function sizeWords(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
	const small = issue.code === 'too_small';
	const bound = Number(
		small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum,
	);
	const inclusive = issue.inclusive !== false;
	const plural = (unit: string) => `${unit}${bound === 1 ? '' : 's'}`;
	switch (issue.origin) {
		case 'string':
			return `${small ? 'at least' : 'at most'} ${bound} ${plural('character')} long`;
		case 'array':
			return `${small ? 'at least' : 'at most'} ${bound} ${plural('item')}`;
		default:
			if (small) return inclusive ? `at least ${bound}` : `more than ${bound}`;
			return inclusive ? `at most ${bound}` : `less than ${bound}`;
	}
}

function sizedValue(
	issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig,
	value: unknown,
	segments: DataPath,
): string {
	const shown = shownValue(segments, value);
	if (issue.origin === 'string' && typeof value === 'string' && typeof shown === 'string') {
		return `${value.length} character${value.length === 1 ? '' : 's'} long (${quote(shown, value.length)})`;
	}
	return describeFound(segments, value);
}

function formatWords(issue: z.core.$ZodIssueInvalidStringFormat): string {
	if (issue.format === 'regex') return `text matching the pattern ${String(issue.pattern ?? '')}`;
	return ZOD_FORMAT_WORDS[issue.format] ?? `a valid ${issue.format}`;
}

function toSegment(segment: PropertyKey): PathSegment {
	return typeof segment === 'number' ? segment : String(segment);
}
