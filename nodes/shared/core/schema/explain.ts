import type { ErrorObject } from 'ajv';

import { stableStringify } from '../hash';
import { formatWords } from './formats';
import { describeFound, shownSegments, shownValue } from './secrets';
import type { DataPath, Finding, PathSegment } from './types';
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

/**
 * Ajv's errors in plain words, each classified as a change the contract decides on (a new
 * field, a type change, a missing field), an unseen enum value, or an invalid value. A
 * failed anyOf/oneOf becomes the errors of its closest branch, or one type change when no
 * branch takes the value's type: one readable reason, not one line per branch.
 */

/**
 * Findings kept per item. Past this many, a contract cannot be applied faithfully (a
 * hostile item with a million new fields), so the item goes to Invalid instead.
 */
export const MAX_FINDINGS_PER_ITEM = 10_000;

const TYPE_WORDS: Readonly<Record<string, string>> = {
	string: 'a string',
	number: 'a number',
	integer: 'an integer',
	boolean: 'a boolean',
	null: 'null',
	object: 'an object',
	array: 'an array',
};

export function typeWords(types: unknown): string {
	const list = Array.isArray(types) ? types : String(types).split(',');
	return listWords(list.map((type) => TYPE_WORDS[String(type)] ?? String(type)));
}

const ENUM_SHOWN = 10;

/** `one of "active", "paused" or null`, at most ten values. */
export function describeEnum(values: readonly unknown[]): string {
	if (values.length === 1) return `exactly ${renderLiteral(values[0])}`;
	const shown = values.slice(0, ENUM_SHOWN).map(renderLiteral);
	const rest = values.length > ENUM_SHOWN ? ` (or one of ${values.length - ENUM_SHOWN} more)` : '';
	if (shown.length < values.length) return `one of ${shown.join(', ')}${rest}`;
	return `one of ${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

function renderLiteral(value: unknown): string {
	if (typeof value === 'string') return quote(value);
	let text: string;
	try {
		text = stableStringify(value);
	} catch {
		text = String(value);
	}
	return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

export interface Classified {
	findings: Finding[];
	overflow: boolean;
}

/** Findings from the errors of the schema's own validator (allErrors, verbose). */
export function classifyErrors(root: unknown, errors: readonly ErrorObject[]): Classified {
	const classifier = new Classifier(root);
	for (const error of reduceBranches(errors)) classifier.error(error);
	return { findings: classifier.findings, overflow: classifier.overflow };
}

/** New fields from the closed variant's errors (only its unevaluatedProperties errors). */
export function newFieldFindings(
	root: unknown,
	errors: readonly ErrorObject[],
	into: Classified,
): void {
	const classifier = new Classifier(root, into);
	for (const error of errors) {
		if (error.keyword !== 'unevaluatedProperties') continue;
		const segments = [
			...pointerSegments(root, error.instancePath),
			String((error.params as { unevaluatedProperty: string }).unevaluatedProperty),
		];
		classifier.add('fieldAdded', segments, 'no such field (the schema does not list it)');
	}
}

function isWithin(path: string, prefix: string): boolean {
	return path === prefix || path.startsWith(`${prefix}/`);
}

/** Whether an error comes from a keyword beside the combinator in the same schema. */
function isSibling(schemaPath: string, combinator: string): boolean {
	const cut = combinator.lastIndexOf('/');
	const parent = combinator.slice(0, cut);
	const keyword = combinator.slice(cut + 1);
	if (!schemaPath.startsWith(`${parent}/`)) return false;
	const next = schemaPath.slice(parent.length + 1).split('/')[0];
	return next !== keyword && next !== '$defs' && next !== 'definitions';
}

function reduceBranches(errors: readonly ErrorObject[]): ErrorObject[] {
	const kept: ErrorObject[] = [];
	for (const error of errors) {
		if (error.keyword === 'if') continue;
		if (error.keyword === 'contains') {
			// The items that did not match are not problems: that none did is.
			while (kept.length > 0 && kept[kept.length - 1].schemaPath.startsWith(`${error.schemaPath}/`))
				kept.pop();
			kept.push(error);
			continue;
		}
		if (error.keyword !== 'anyOf' && error.keyword !== 'oneOf') {
			kept.push(error);
			continue;
		}
		const block: ErrorObject[] = [];
		while (kept.length > 0) {
			const last = kept[kept.length - 1];
			if (!isWithin(last.instancePath, error.instancePath)) break;
			if (isSibling(last.schemaPath, error.schemaPath)) break;
			block.unshift(kept.pop()!);
		}
		const passing = (error.params as { passingSchemas?: number[] | null }).passingSchemas;
		if (error.keyword === 'oneOf' && Array.isArray(passing)) {
			kept.push(error);
			continue;
		}
		kept.push(...closestBranch(error, block));
	}
	return kept;
}

function closestBranch(combinator: ErrorObject, block: ErrorObject[]): ErrorObject[] {
	const groups = new Map<number, ErrorObject[]>();
	let current: number | undefined;
	const pending: ErrorObject[] = [];
	const prefix = `${combinator.schemaPath}/`;
	for (const error of block) {
		if (error.schemaPath.startsWith(prefix)) {
			current = Number(error.schemaPath.slice(prefix.length).split('/')[0]);
			if (!groups.has(current)) groups.set(current, [...pending.splice(0)]);
		}
		if (current === undefined) pending.push(error);
		else groups.get(current)!.push(error);
	}
	if (groups.size === 0) return block.length > 0 ? block : [combinator];
	const typeOnly = (list: ErrorObject[]) =>
		list.every(
			(error) =>
				(error.keyword === 'type' || error.keyword === 'false schema') &&
				error.instancePath === combinator.instancePath,
		);
	const fitting = [...groups.values()].filter((list) => !typeOnly(list));
	if (fitting.length === 0) {
		const types = new Set<string>();
		for (const list of groups.values())
			for (const error of list)
				if (error.keyword === 'type')
					for (const type of String((error.params as { type: unknown }).type).split(','))
						types.add(type);
		if (types.size === 0) return [combinator];
		return [{ ...combinator, keyword: 'type', params: { type: [...types] } }];
	}
	return fitting.reduce((best, list) => (list.length < best.length ? list : best));
}

/** Item segments of a JSON pointer: indexes as numbers where the item has an array. */
function pointerSegments(root: unknown, pointer: string): PathSegment[] {
	if (pointer === '') return [];
	const segments: PathSegment[] = [];
	let current = root;
	for (const raw of pointer.slice(1).split('/')) {
		const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
		const segment: PathSegment = Array.isArray(current) && /^\d+$/.test(key) ? Number(key) : key;
		segments.push(segment);
		current =
			current !== null && typeof current === 'object'
				? (current as Record<PathSegment, unknown>)[segment]
				: undefined;
	}
	return segments;
}

function bound(params: Record<string, unknown>): string {
	const limit = String(params.limit);
	switch (params.comparison) {
		case '>=':
			return `at least ${limit}`;
		case '>':
			return `more than ${limit}`;
		case '<=':
			return `at most ${limit}`;
		default:
			return `less than ${limit}`;
	}
}

const plural = (count: unknown, unit: string) =>
	`${String(count)} ${unit}${count === 1 ? '' : 's'}`;

class Classifier {
	readonly findings: Finding[];
	overflow: boolean;
	private readonly seen = new Set<string>();

	constructor(
		private readonly root: unknown,
		into?: Classified,
	) {
		this.findings = into?.findings ?? [];
		this.overflow = into?.overflow ?? false;
		for (const finding of this.findings)
			this.seen.add(`${finding.kind}\u0000${toPointer(finding.segments)}`);
		if (into) this.sync = into;
	}

	private sync?: Classified;

	error(error: ErrorObject): void {
		const segments = pointerSegments(this.root, error.instancePath);
		const params = error.params as Record<string, unknown>;
		const value = valueAt(this.root, segments);
		switch (error.keyword) {
			case 'required':
			case 'dependentRequired':
			case 'dependencies': {
				const name = String(params.missingProperty);
				const properties = isJsonObject(error.parentSchema)
					? error.parentSchema.properties
					: undefined;
				const declared = isJsonObject(properties) ? properties[name] : undefined;
				const type = isJsonObject(declared) ? declared.type : undefined;
				const expected =
					error.keyword === 'required'
						? type === undefined
							? 'a value'
							: typeWords(type)
						: `a value (required when ${String(params.property)} is present)`;
				this.add('requiredMissing', [...segments, name], expected);
				return;
			}
			case 'type':
				this.add(
					value === undefined ? 'requiredMissing' : 'typeChanged',
					segments,
					typeWords(params.type),
				);
				return;
			case 'additionalProperties':
				this.add(
					'fieldAdded',
					[...segments, String(params.additionalProperty)],
					'no such field (the schema does not allow others)',
					{ closed: true },
				);
				return;
			case 'unevaluatedProperties':
				this.add(
					'fieldAdded',
					[...segments, String(params.unevaluatedProperty)],
					'no such field (the schema does not allow others)',
					{ closed: true },
				);
				return;
			case 'enum':
				this.add('unseenEnumValue', segments, describeEnum(params.allowedValues as unknown[]), {
					value,
				});
				return;
			case 'const':
				this.add('unseenEnumValue', segments, describeEnum([params.allowedValue]), { value });
				return;
			case 'format':
				this.add('invalidValue', segments, formatWords(String(params.format)));
				return;
			case 'pattern':
				this.add('invalidValue', segments, `text matching the pattern ${String(params.pattern)}`);
				return;
			case 'minLength':
			case 'maxLength': {
				const words = `${error.keyword === 'minLength' ? 'at least' : 'at most'} ${plural(params.limit, 'character')} long`;
				this.add('invalidValue', segments, words, { received: sizedText(segments, value) });
				return;
			}
			case 'minimum':
			case 'maximum':
			case 'exclusiveMinimum':
			case 'exclusiveMaximum':
				this.add('invalidValue', segments, bound(params));
				return;
			case 'minItems':
				this.add('invalidValue', segments, `at least ${plural(params.limit, 'item')}`);
				return;
			case 'maxItems':
				this.add('invalidValue', segments, `at most ${plural(params.limit, 'item')}`);
				return;
			case 'minProperties':
				this.add('invalidValue', segments, `at least ${plural(params.limit, 'field')}`);
				return;
			case 'maxProperties':
				this.add(
					'invalidValue',
					segments,
					`at most ${plural(params.limit, 'field')}${isJsonObject(value) ? ` (it has ${Object.keys(value).length})` : ''}`,
				);
				return;
			case 'contains':
				this.add(
					'invalidValue',
					segments,
					`an array with ${params.minContains === undefined || params.minContains === 1 ? 'at least one item' : `at least ${String(params.minContains)} items`}${params.maxContains === undefined ? '' : ` and at most ${String(params.maxContains)}`} matching the schema at ${schemaPlace(error)}`,
				);
				return;
			case 'multipleOf':
				this.add('invalidValue', segments, `a multiple of ${String(error.schema)}`);
				return;
			case 'uniqueItems':
				this.add(
					'invalidValue',
					segments,
					`no repeated items (item ${String(params.i)} repeats item ${String(params.j)})`,
				);
				return;
			case 'oneOf':
				this.add(
					'invalidValue',
					segments,
					Array.isArray(params.passingSchemas)
						? `a value matching exactly one of the alternatives (it matches alternatives ${listWords(
								(params.passingSchemas as number[]).map((index) => String(index + 1)),
								'and',
							)})`
						: 'a value matching exactly one of the alternatives',
				);
				return;
			case 'anyOf':
				this.add('invalidValue', segments, 'a value matching one of the alternatives');
				return;
			case 'not':
				this.add(
					'invalidValue',
					segments,
					`a value that does not match the schema at ${schemaPlace(error)}`,
				);
				return;
			case 'false schema':
				this.add('invalidValue', segments, 'no value here (the schema allows none)');
				return;
			default:
				this.add(
					'invalidValue',
					segments,
					`a value that ${error.message ?? `passes "${error.keyword}"`}`.replace(
						'that must ',
						'that does ',
					),
				);
		}
	}

	add(
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
			if (this.sync) this.sync.overflow = true;
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

/** Where in the schema a keyword is, as a JSON pointer. */
function schemaPlace(error: ErrorObject): string {
	return error.schemaPath.replace(/^#/, '') || '/';
}

function sizedText(segments: DataPath, value: unknown): string {
	const shown = shownValue(segments, value);
	if (typeof value === 'string' && typeof shown === 'string') {
		// Ajv counts code points, as the standard does: so does the reason.
		const length = [...value].length;
		return `${length} character${length === 1 ? '' : 's'} long (${quote(shown, value.length)})`;
	}
	return describeFound(segments, value);
}

export function makeFinding(
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
