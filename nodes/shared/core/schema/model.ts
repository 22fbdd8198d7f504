import type { PathSegment } from './types';
import { escapePointer } from './pointers';
import { SchemaError } from './types';
import { describeValue, fieldPathOf, isJsonObject } from './values';

/**
 * What drift detection needs to know of the fields besides validation: which allow null
 * (their null rate is tracked), the expected null rates written by inference, and how
 * many fields the schema declares. Read by walking properties, items, allOf, branches and
 * local `$ref`s; a field reached only through something else is simply not tracked.
 */

/** A tree of the fields whose null rate is tracked, walked once per item. */
export interface ProbeNode {
	/** Set when the value here is a tracked field: its field path. */
	field?: string;
	props: Map<string, ProbeNode>;
	/** The elements of an array here. */
	items?: ProbeNode;
}

export interface SchemaModel {
	/** Field paths (`lines[].note`) whose schema explicitly allows null. */
	nullableFields: string[];
	nullProbe: ProbeNode;
	/** Expected share of nulls per field (`x-null-rate`, written by inference). */
	nullRateBaselines: Map<string, number>;
	/** Declared properties, nested ones included. */
	fieldCount: number;
	/** Declared fields (names joined by dots, list levels left out) in schema order: problems are listed in it. */
	fieldOrder: Map<string, number>;
}

const MAX_DEPTH = 64;

export function buildModel(document: unknown): SchemaModel {
	const nullable = new Map<string, PathSegment[]>();
	const baselines = new Map<string, number>();
	let fieldCount = 0;
	const order = new Map<string, number>();
	const refs: string[] = [];
	const walk = (schema: unknown, at: PathSegment[], pointer: string, depth: number): void => {
		if (!isJsonObject(schema) || depth > MAX_DEPTH) return;
		const ref = schema.$ref;
		if (typeof ref === 'string' && ref.startsWith('#') && !refs.includes(ref)) {
			refs.push(ref);
			walk(resolveLocal(document, ref), at, ref.slice(1), depth + 1);
			refs.pop();
		}
		const type = schema.type;
		const types = Array.isArray(type) ? type : [type];
		const allowsNull =
			types.includes('null') ||
			schema.nullable === true ||
			(Array.isArray(schema.enum) && schema.enum.includes(null));
		if (allowsNull && at.length > 0) nullable.set(fieldPathOf(at), at);
		const rate = schema['x-null-rate'];
		if (rate !== undefined) {
			if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))
				throw new SchemaError(
					`${pointer}/x-null-rate`,
					`must be a number from 0 to 1, not ${describeValue(rate)}`,
				);
			if (at.length > 0) baselines.set(fieldPathOf(at), rate);
		}
		if (isJsonObject(schema.properties)) {
			for (const [name, child] of Object.entries(schema.properties)) {
				fieldCount++;
				const dotted = [...at, name].filter((segment) => typeof segment === 'string').join('.');
				if (!order.has(dotted)) order.set(dotted, order.size);
				walk(child, [...at, name], `${pointer}/properties/${escapePointer(name)}`, depth + 1);
			}
		}
		if (isJsonObject(schema.items)) walk(schema.items, [...at, 0], `${pointer}/items`, depth + 1);
		for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
			const list = schema[keyword];
			if (!Array.isArray(list)) continue;
			list.forEach((branch, index) => {
				if (isJsonObject(branch) && branch.type === 'null' && at.length > 0)
					nullable.set(fieldPathOf(at), at);
				walk(branch, at, `${pointer}/${keyword}/${index}`, depth + 1);
			});
		}
	};
	walk(document, [], '', 0);
	return {
		nullableFields: [...nullable.keys()],
		nullProbe: probeOf(nullable),
		nullRateBaselines: baselines,
		fieldCount,
		fieldOrder: order,
	};
}

/** Findings in the order the schema declares their fields (Ajv reports required first). */
export function inSchemaOrder<T extends { segments: readonly PathSegment[] }>(
	findings: T[],
	order: ReadonlyMap<string, number>,
): T[] {
	if (findings.length < 2 || order.size === 0) return findings;
	const rank = (finding: T): number => {
		const names = finding.segments.filter((segment) => typeof segment === 'string');
		for (let length = names.length; length > 0; length--) {
			const found = order.get(names.slice(0, length).join('.'));
			if (found !== undefined) return found;
		}
		return Number.MAX_SAFE_INTEGER;
	};
	return findings
		.map((finding, index) => ({ finding, index, rank: rank(finding) }))
		.sort((a, b) => a.rank - b.rank || a.index - b.index)
		.map(({ finding }) => finding);
}

function resolveLocal(document: unknown, ref: string): unknown {
	let current = document;
	const fragment = ref.slice(1);
	if (fragment === '') return document;
	if (!fragment.startsWith('/')) return undefined;
	for (const raw of fragment.slice(1).split('/')) {
		let key: string;
		try {
			key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
		} catch {
			return undefined;
		}
		if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key))
			return undefined;
		current = (current as Record<string, unknown>)[key];
	}
	return current;
}

function probeOf(nullable: Map<string, PathSegment[]>): ProbeNode {
	const root: ProbeNode = { props: new Map() };
	for (const [field, segments] of nullable) {
		let node = root;
		for (const segment of segments) {
			if (typeof segment === 'number') {
				node.items ??= { props: new Map() };
				node = node.items;
			} else {
				let next = node.props.get(segment);
				if (!next) {
					next = { props: new Map() };
					node.props.set(segment, next);
				}
				node = next;
			}
		}
		node.field = field;
	}
	return root;
}
