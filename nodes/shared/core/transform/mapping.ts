import { isPlainObject, type JsonObject, type JsonValue } from '../json';
import {
	EACH_ELEMENT,
	FORBIDDEN_KEYS,
	PathSyntaxError,
	deletePath,
	formatPath,
	parsePath,
	readPath,
	setPath,
	type PathSegment,
} from '../paths';
import { bindIndices, compileConverter, type FieldConverter } from './converters';
import { ConversionError, MappingError, OptionError, showValue } from './errors';
import { resolveProfile, type SourceProfile } from './profile';
import {
	MAPPING_SCHEMA,
	VERSION_DEFAULTS,
	type FieldDefinition,
	type MappingDefinition,
	type MappingVersion,
	type MissingPolicy,
} from './schema';

/** One field of one item that could not be converted. */
export interface FieldFailure {
	/** The output path, with list positions filled in: "lines[2].amount". */
	field: string;
	/** Where the value came from: a source path ("LineItems[2].UnitAmount"), "a constant" or "an expression". */
	source: string;
	/** The raw value, as the input item had it. */
	raw: unknown;
	/** Continues "<raw value> …": "is not a valid date: …". */
	reason: string;
	fix: string;
}

export type TransformResult =
	| { ok: true; json: JsonObject }
	| { ok: false; failures: FieldFailure[] };

/** Values of fields whose source is given per item by the caller (n8n expressions), by field index. */
export type ExternalValues = (fieldIndex: number) => unknown;

export interface CompileOptions {
	/** Indices of fields that have neither `source` nor `value`: the caller gives their values per item. */
	externalFields?: ReadonlySet<number>;
	/** The version of a mapping that does not say (1 when not given): the node's, for its panel and pasted JSON. */
	defaultVersion?: MappingVersion;
}

export interface CompiledMapping {
	/** The checked mapping, defaults filled in: what exportMapping writes. */
	readonly definition: MappingDefinition;
	readonly profile: SourceProfile;
	/** Converts one item. Never throws for bad data: failures come back, every field's at once. */
	apply(item: unknown, external?: ExternalValues): TransformResult;
}

type Source =
	| { kind: 'path'; segments: PathSegment[]; text: string; lists: number }
	| { kind: 'value'; value: JsonValue }
	| { kind: 'external' };

interface CompiledField {
	index: number;
	target: PathSegment[];
	/** Positions of `[*]` in `target`. */
	targetLists: number[];
	source: Source;
	convert: FieldConverter;
	blankIsMissing: boolean;
	missing: MissingPolicy;
	fallback: JsonValue | undefined;
}

const NO_INDICES: readonly number[] = [];
const MAX_MAPPING_TEXT = 5_000_000;

/**
 * Checks a mapping (an object or JSON text) and fills in its defaults. Every problem is
 * a MappingError naming the entry, so a malformed mapping fails before any item.
 */
export function parseMapping(
	input: unknown,
	defaultVersion: MappingVersion = 1,
): MappingDefinition {
	let value = input;
	if (typeof input === 'string') {
		if (input.length > MAX_MAPPING_TEXT)
			throw new MappingError(
				'The mapping JSON is larger than 5 MB',
				'Split the model into smaller mappings.',
			);
		try {
			value = JSON.parse(input) as unknown;
		} catch (error) {
			throw new MappingError(
				`The mapping is not valid JSON: ${(error as Error).message}`,
				'Paste the JSON exactly as exported, or check quotes and commas.',
			);
		}
	}
	if (isPlainObject(value) && value.version === undefined)
		value = { ...value, version: defaultVersion };
	const parsed = MAPPING_SCHEMA.safeParse(value);
	if (!parsed.success) throw mappingSchemaError(parsed.error.issues, value);
	try {
		resolveProfile(parsed.data.profile);
	} catch (error) {
		if (error instanceof OptionError)
			throw new MappingError(`The mapping's profile: ${error.message}`, error.fix);
		throw error;
	}
	return parsed.data;
}

function mappingSchemaError(
	issues: Array<{ path: Array<string | number>; message: string }>,
	value: unknown,
): MappingError {
	const issue = issues[0];
	const [head, entry, ...rest] = issue.path;
	if (head === 'fields' && typeof entry === 'number') {
		const option = rest.length > 0 ? `${rest.join('.')}: ` : '';
		return new MappingError(
			`${entryName(entry, value)}: ${option}${issue.message}`,
			fixForIssue(rest),
			entry,
		);
	}
	const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
	return new MappingError(
		`The mapping is malformed: ${where}${issue.message}`,
		'Check the mapping against an exported one; every field needs "target" and "convert".',
	);
}

function fixForIssue(path: Array<string | number>): string {
	if (path[0] === 'convert')
		return 'Set "convert" to one of: copy, string, number, boolean, date, money, phone, email, abn, acn, valueMap.';
	if (path[0] === 'options')
		return "Check the option name and value against the converter's options; misspelt options are not ignored.";
	return 'Correct the entry; each needs a "target", a "source" (or "value") and a "convert".';
}

/** "Mapping entry 3 (target "invoice.total")": 1-based, as a user counts the rows. */
function entryName(index: number, mapping: unknown): string {
	const fields = (mapping as { fields?: unknown } | null)?.fields;
	const target = Array.isArray(fields)
		? (fields[index] as { target?: unknown } | undefined)?.target
		: undefined;
	return `Mapping entry ${index + 1}${typeof target === 'string' ? ` (target "${target}")` : ''}`;
}

/**
 * Checks and compiles a mapping once into a per-item function. Paths are parsed,
 * converters built and options checked here; per item only reads, conversions and
 * writes remain.
 */
export function compileMapping(input: unknown, options: CompileOptions = {}): CompiledMapping {
	const definition = parseMapping(input, options.defaultVersion);
	const profile = resolveProfile(definition.profile);
	const external = options.externalFields ?? new Set<number>();
	const fields = definition.fields.map((field, index) =>
		compileField(field, index, definition, profile, external.has(index)),
	);
	checkTargets(fields, definition);
	const keep = definition.unmapped === 'keep';
	const sourcePaths = fields.flatMap((field) =>
		field.source.kind === 'path' ? [field.source.segments] : [],
	);
	return {
		definition,
		profile,
		apply(item, externalValues) {
			const owned = new Set<object>();
			const output: Record<string, unknown> = keep
				? withoutMappedSources(item, sourcePaths, owned)
				: {};
			owned.add(output);
			let failures: FieldFailure[] | undefined;
			for (const field of fields) {
				const failure =
					field.source.kind === 'path' && field.source.lists > 0
						? applyEach(field, field.source, item, output, owned)
						: applyOne(
								field,
								readSource(field, item, externalValues),
								item,
								NO_INDICES,
								field.target,
								output,
								owned,
							);
				if (failure !== undefined) (failures ??= []).push(...failure);
			}
			return failures === undefined
				? { ok: true, json: output as JsonObject }
				: { ok: false, failures };
		},
	};
}

function compileField(
	field: FieldDefinition,
	index: number,
	mapping: MappingDefinition,
	profile: SourceProfile,
	external: boolean,
): CompiledField {
	const fail = (problem: string, fix: string) =>
		new MappingError(`${entryName(index, mapping)}: ${problem}`, fix, index);
	const target = parseEntryPath(field.target, 'target', fail);
	const badKey = target.find(
		(segment) => typeof segment === 'string' && FORBIDDEN_KEYS.has(segment),
	);
	if (badKey !== undefined) {
		throw fail(
			`the target path uses "${String(badKey)}", which could reach an object's prototype`,
			'Choose another field name; __proto__, constructor and prototype are never written.',
		);
	}
	const source = compileSource(field, external || field.expression !== undefined, fail);
	const targetLists = target.flatMap((segment, position) =>
		segment === EACH_ELEMENT ? [position] : [],
	);
	const sourceLists = source.kind === 'path' ? source.lists : 0;
	if (targetLists.length !== sourceLists) {
		throw fail(
			`the target has ${targetLists.length} [*] and the source ${sourceLists}`,
			'Use [*] in both paths the same number of times: "lines[*].amount" from "LineItems[*].UnitAmount". A list cannot go into one value; use Copy to take a whole list.',
		);
	}
	const missing = field.missing ?? mapping.missing;
	if (missing === 'default' && field.default === undefined) {
		throw fail(
			'takes the default when the value is missing, but has no default',
			'Give a Default Value, or choose another If Missing.',
		);
	}
	let converter;
	try {
		converter = compileConverter(field, profile, sourceLists);
	} catch (error) {
		if (error instanceof OptionError) throw fail(error.message, error.fix);
		throw error;
	}
	return { index, target, targetLists, source, missing, fallback: field.default, ...converter };
}

function parseEntryPath(
	path: string,
	which: string,
	fail: (problem: string, fix: string) => MappingError,
): PathSegment[] {
	try {
		return parsePath(path);
	} catch (error) {
		if (error instanceof PathSyntaxError) {
			throw fail(
				`the ${which} path ${error.message.replace(/^Path /, '')}`,
				'Write paths like customer.email, lines[0].sku or lines[*].sku.',
			);
		}
		throw error;
	}
}

function compileSource(
	field: FieldDefinition,
	external: boolean,
	fail: (problem: string, fix: string) => MappingError,
): Source {
	const given = [field.source !== undefined, field.value !== undefined, external].filter(
		Boolean,
	).length;
	if (given !== 1) {
		throw fail(
			given === 0
				? 'has no source'
				: 'has more than one source (a path, a constant value or an expression)',
			'Give either a source path or a constant value.',
		);
	}
	if (external) return { kind: 'external' };
	if (field.value !== undefined) return { kind: 'value', value: field.value };
	const segments = parseEntryPath(field.source!, 'source', fail);
	return {
		kind: 'path',
		segments,
		text: formatPath(segments),
		lists: segments.filter((segment) => segment === EACH_ELEMENT).length,
	};
}

/** Two entries writing the same place, or one inside the other, would overwrite each other by row order. */
function checkTargets(fields: CompiledField[], mapping: MappingDefinition): void {
	const texts = fields.map((field) =>
		field.target.map((segment) => (segment === EACH_ELEMENT ? '[*]' : String(segment))),
	);
	for (let a = 0; a < fields.length; a++) {
		for (let b = a + 1; b < fields.length; b++) {
			const shorter = texts[a].length <= texts[b].length ? texts[a] : texts[b];
			const longer = shorter === texts[a] ? texts[b] : texts[a];
			if (shorter.every((segment, position) => segment === longer[position])) {
				const same = shorter.length === longer.length;
				throw new MappingError(
					`${entryName(b, mapping)}: ${same ? 'writes the same target as' : 'writes inside or around the target of'} entry ${a + 1} ("${mapping.fields[a].target}")`,
					'Give each entry its own target; to build an object field by field, map each of its fields and not the object too.',
					b,
				);
			}
		}
	}
}

function readSource(
	field: CompiledField,
	item: unknown,
	external: ExternalValues | undefined,
): unknown {
	const { source } = field;
	if (source.kind === 'path') return readPath(item, source.segments);
	if (source.kind === 'value') return source.value;
	return external?.(field.index);
}

function isMissing(value: unknown, blankIsMissing: boolean): boolean {
	return (
		value === undefined ||
		value === null ||
		(blankIsMissing && typeof value === 'string' && !/\S/.test(value))
	);
}

function describeSource(field: CompiledField, indices: readonly number[]): string {
	const { source } = field;
	if (source.kind === 'path')
		return `"${indices.length === 0 ? source.text : formatPath(bindIndices(source.segments, indices))}"`;
	return source.kind === 'value' ? 'a constant' : 'an expression';
}

/** Converts one value and writes it; a failure comes back instead of being thrown. */
function applyOne(
	field: CompiledField,
	raw: unknown,
	item: unknown,
	indices: readonly number[],
	target: readonly PathSegment[],
	output: Record<string, unknown>,
	owned: Set<object>,
): FieldFailure[] | undefined {
	const failed = (reason: string, fix: string): FieldFailure[] => [
		{ field: formatPath(target), source: describeSource(field, indices), raw, reason, fix },
	];
	let value: JsonValue;
	if (isMissing(raw, field.blankIsMissing)) {
		switch (field.missing) {
			case 'skip':
				return undefined;
			case 'null':
				value = null;
				break;
			case 'default':
				value =
					field.fallback !== null && typeof field.fallback === 'object'
						? structuredClone(field.fallback)
						: field.fallback!;
				break;
			case 'error':
				return failed(
					'is missing',
					'Send a value for this field, or set If Missing to Skip, Null or Default.',
				);
		}
	} else {
		try {
			value = field.convert(raw, item, indices);
		} catch (error) {
			if (error instanceof ConversionError) return failed(error.reason, error.fix);
			throw error;
		}
	}
	if (!setPath(output, target, value, owned)) {
		return failed(
			`cannot be written: something on the way to "${formatPath(target)}" in the output is not an object`,
			'With Unmapped Fields set to Keep, choose a target that does not run through a kept value, or drop unmapped fields.',
		);
	}
	return undefined;
}

interface ListEntry {
	indices: number[];
	value: unknown;
}

interface ListSeen {
	/** Positions of the enclosing lists. */
	prefix: number[];
	length: number;
}

/** A `[*]` field: every element's value converted and written at the same position of the target list. */
function applyEach(
	field: CompiledField,
	source: Extract<Source, { kind: 'path' }>,
	item: unknown,
	output: Record<string, unknown>,
	owned: Set<object>,
): FieldFailure[] | undefined {
	const entries: ListEntry[] = [];
	const lists: ListSeen[] = [];
	const notList = collect(item, source.segments, 0, [], entries, lists);
	if (notList !== undefined) {
		return [
			{
				field: formatPath(field.target),
				source: `"${source.text}"`,
				raw: notList.value,
				reason: `is ${describeList(notList.value)} at "${notList.path}", not a list`,
				fix: 'Map this field from a list, or remove [*] from the paths.',
			},
		];
	}
	if (lists.length === 0) {
		if (field.missing !== 'error') return undefined;
		return [
			{
				field: formatPath(field.target),
				source: `"${source.text}"`,
				raw: undefined,
				reason: 'is missing (no list)',
				fix: 'Send the list, or set If Missing to Skip.',
			},
		];
	}
	let failures: FieldFailure[] | undefined;
	// Every target list as long as its source list, so positions line up even where elements were skipped.
	for (const list of lists) {
		const failure = padTargetList(field, list, output, owned);
		if (failure !== undefined) return [failure];
	}
	for (const entry of entries) {
		const failure = applyOne(
			field,
			entry.value,
			item,
			entry.indices,
			bindIndices(field.target, entry.indices),
			output,
			owned,
		);
		if (failure !== undefined) (failures ??= []).push(...failure);
	}
	return failures;
}

function describeList(value: unknown): string {
	return Array.isArray(value)
		? 'a list'
		: value === null || typeof value !== 'object'
			? showValue(value)
			: 'an object';
}

/** Walks a path with `[*]`, recording each value and each list it went through; returns where a list was expected but not found. */
function collect(
	node: unknown,
	segments: readonly PathSegment[],
	from: number,
	indices: number[],
	entries: ListEntry[],
	lists: ListSeen[],
): { path: string; value: unknown } | undefined {
	let current = node;
	for (let position = from; position < segments.length; position++) {
		const segment = segments[position];
		if (segment !== EACH_ELEMENT) {
			current = readPath(current, [segment]);
			continue;
		}
		if (current === undefined || current === null) return undefined; // no list here: nothing to map
		if (!Array.isArray(current))
			return {
				path: formatPath(bindIndices(segments.slice(0, position), indices)),
				value: current,
			};
		lists.push({ prefix: indices, length: current.length });
		for (let index = 0; index < current.length; index++) {
			const problem = collect(
				current[index],
				segments,
				position + 1,
				[...indices, index],
				entries,
				lists,
			);
			if (problem !== undefined) return problem;
		}
		return undefined;
	}
	entries.push({ indices, value: current });
	return undefined;
}

function padTargetList(
	field: CompiledField,
	list: ListSeen,
	output: Record<string, unknown>,
	owned: Set<object>,
): FieldFailure | undefined {
	const at = field.targetLists[list.prefix.length];
	const listPath = bindIndices(field.target.slice(0, at), list.prefix);
	const next = field.target[at + 1];
	const filler = () => (next === undefined ? null : typeof next === 'string' ? {} : []);
	// An empty source list gives an empty target list, not an absent one.
	if (
		list.length === 0 &&
		readPath(output, listPath) === undefined &&
		!setPath(output, listPath, [], owned)
	) {
		return blockedList(field, list, listPath);
	}
	for (let index = 0; index < list.length; index++) {
		const elementPath = [...listPath, index];
		if (readPath(output, elementPath) !== undefined) continue;
		if (!setPath(output, elementPath, filler(), owned)) return blockedList(field, list, listPath);
	}
	return undefined;
}

function blockedList(field: CompiledField, list: ListSeen, listPath: PathSegment[]): FieldFailure {
	return {
		field: formatPath(listPath),
		source: describeSource(field, list.prefix),
		raw: undefined,
		reason: `cannot be written: "${formatPath(listPath)}" in the output is not a list`,
		fix: 'With Unmapped Fields set to Keep, choose a target that does not run through a kept value, or drop unmapped fields.',
	};
}

/** The item without the fields the mapping reads: what "keep unmapped fields" keeps. The input is not changed. */
function withoutMappedSources(
	item: unknown,
	sources: PathSegment[][],
	owned: Set<object>,
): Record<string, unknown> {
	const output: Record<string, unknown> =
		item !== null && typeof item === 'object' && !Array.isArray(item)
			? { ...(item as Record<string, unknown>) }
			: {};
	owned.add(output);
	for (const segments of sources) {
		if (!segments.includes(EACH_ELEMENT)) {
			deletePath(output, segments, owned);
			continue;
		}
		const entries: ListEntry[] = [];
		collect(item, segments, 0, [], entries, []);
		for (const entry of entries) deletePath(output, bindIndices(segments, entry.indices), owned);
	}
	return output;
}

/** The checked mapping as JSON, every default filled in: paste it into another Canonical Transform. */
export function exportMapping(mapping: MappingDefinition | CompiledMapping): JsonObject {
	const definition = 'apply' in mapping ? mapping.definition : mapping;
	const profile = resolveProfile(definition.profile);
	const exported = JSON.parse(JSON.stringify({ ...definition, profile })) as JsonObject;
	if (definition.version === 1) withoutLaterDefaults(exported);
	return exported;
}

/**
 * A version 1 mapping exports as it always has: the options added later are left out
 * while at the value version 1 reads them with (absent), so saved exports stay the same.
 */
function withoutLaterDefaults(mapping: JsonObject): void {
	const profile = mapping.profile as Record<string, JsonValue>;
	if (profile.minorUnits === 'iso4217') delete profile.minorUnits;
	for (const field of mapping.fields as Array<{
		convert: string;
		options: Record<string, JsonValue>;
	}>) {
		const { options } = field;
		if (field.convert === 'money' && options.outputUnits === 'iso4217') delete options.outputUnits;
		if (field.convert === 'date') {
			if (options.milliseconds === VERSION_DEFAULTS[1].milliseconds) delete options.milliseconds;
			if (options.keepWrittenDate === VERSION_DEFAULTS[1].keepWrittenDate)
				delete options.keepWrittenDate;
		}
	}
}

const MAX_LISTED_FAILURES = 5;

/**
 * The error for an item with failed fields: one line per field naming the output field,
 * where the value came from, the value, what is wrong and the fix. n8n's error output
 * keeps only the message, so everything needed is in it.
 */
export function describeItemFailures(
	itemIndex: number,
	failures: FieldFailure[],
): { message: string; description: string } {
	const lines = failures.map(
		(failure) =>
			`field "${failure.field}" from ${failure.source}: ${showValue(failure.raw, failure.field, failure.source)} ${failure.reason}. Fix: ${failure.fix}`,
	);
	const shown = lines.slice(0, MAX_LISTED_FAILURES);
	const more =
		lines.length > MAX_LISTED_FAILURES ? ` … and ${lines.length - MAX_LISTED_FAILURES} more` : '';
	const message =
		failures.length === 1
			? `Item ${itemIndex}: ${lines[0]}`
			: `Item ${itemIndex}: ${failures.length} fields failed — ${shown.join(' | ')}${more}`;
	return { message, description: lines.join('\n') };
}
