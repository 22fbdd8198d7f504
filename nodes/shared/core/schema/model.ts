import type { z } from 'zod/v4';

import type { Dialect } from './keywords';
import type { PathSegment } from './types';
import { fieldPathOf } from './values';

/** What the JSON Schema converter builds besides the zod schema, and the state it carries while converting. */

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
	/** Field paths of objects with `additionalProperties: false` ('' is the item). */
	closedObjects: Set<string>;
	/** Expected share of nulls per field (`x-null-rate`, written by inference). */
	nullRateBaselines: Map<string, number>;
	/** Declared properties, nested ones included. */
	fieldCount: number;
}

export interface Place {
	pointer: string;
	/** Where in the item this schema applies, for the model; null when it cannot be told (inside anyOf). */
	at: PathSegment[] | null;
	depth: number;
	/** Property names declared by subschemas that apply together (allOf, anyOf beside fields): not "new" here. */
	known?: ReadonlySet<string>;
}

export class ModelBuilder {
	private readonly nullable = new Map<string, PathSegment[]>();
	readonly closed = new Set<string>();
	readonly baselines = new Map<string, number>();
	fieldCount = 0;

	nullableAt(at: PathSegment[] | null): void {
		if (at === null || at.length === 0) return;
		this.nullable.set(fieldPathOf(at), at);
	}

	build(): SchemaModel {
		const root: ProbeNode = { props: new Map() };
		for (const [field, segments] of this.nullable) {
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
		return {
			nullableFields: [...this.nullable.keys()],
			nullProbe: root,
			closedObjects: this.closed,
			nullRateBaselines: this.baselines,
			fieldCount: this.fieldCount,
		};
	}
}

export interface Context {
	root: unknown;
	dialect: Dialect;
	explicitDialect: boolean;
	warnings: Set<string>;
	subschemas: number;
	refStack: string[];
	lazies: Map<string, { schema?: z.ZodType }>;
	model: ModelBuilder;
	/** Converts a subschema (the converter itself, for the per-type builders). */
	convert(schema: unknown, place: Place): z.ZodType;
}
