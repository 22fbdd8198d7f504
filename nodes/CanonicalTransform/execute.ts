import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import {
	configError,
	correlation,
	correlationIdFor,
	failItem,
	fieldNameOption,
	hash,
	hint,
	isExpressionValue,
	itemError,
	operationError,
	pairedItem,
	transform,
} from '../shared';
import { mappingFromParameters } from './parameters';

type Operation = 'transform' | 'exportMapping';

/**
 * An expression that reads the current item can differ per item and is evaluated per
 * item (about 0.5 ms each in n8n 2.40); any other expression is evaluated once.
 */
const ITEM_REFERENCE =
	/\$json\b|\$binary\b|\$itemIndex\b|\$position\b|\$data\b|\$item\b|\$node\b|\.item\b/;
/** Distinct per-item mappings kept compiled; beyond that the cache starts over. */
const MAX_COMPILED_VARIANTS = 64;

interface ExpressionParameter {
	/** The parameter path getNodeParameter takes, e.g. "mappings.field[2].currency". */
	name: string;
	/** Which raw parameter it is in, and where in it. */
	root: keyof PanelParameters;
	segments: Array<string | number>;
	perItem: boolean;
}

/** The panel's parameters as read with rawExpressions, expressions replaced as they are evaluated. */
interface PanelParameters {
	rows: IDataObject[];
	profile: IDataObject;
	options: IDataObject;
}

/** How this execution gets its compiled mapping and per-item source values. */
interface MappingPlan {
	/** Compiled once for the whole execution; undefined when the mapping differs per item. */
	compiled: transform.CompiledMapping | undefined;
	/** The mapping for item `index` (compiled once per distinct value). Throws transform.MappingError or an expression error. */
	compiledFor(index: number): transform.CompiledMapping;
	/** Values of rows whose Source Field is an expression, by row index. Throws an expression error. */
	sourcesFor(index: number): Map<number, unknown>;
	/** Rows whose Source Field is an expression. */
	expressionSources: ReadonlySet<number>;
	hints: string[];
}

export async function executeCanonicalTransform(
	context: IExecuteFunctions,
): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	if (items.length === 0) return [[]];
	const operation = context.getNodeParameter('operation', 0) as Operation;
	const plan = planMapping(context);
	if (operation === 'exportMapping') return [[exportItem(context, plan, items.length)]];

	const correlationField = fieldNameOption(
		context,
		'options.correlationField',
		'Correlation ID Field',
		'correlationId',
	);
	const outputs: INodeExecutionData[][] = [[]];
	for (let index = 0; index < items.length; index++) {
		const item = items[index];
		let compiled: transform.CompiledMapping;
		let sources: Map<number, unknown>;
		try {
			compiled = plan.compiled ?? plan.compiledFor(index);
			sources = plan.sourcesFor(index);
		} catch (error) {
			failItem(context, outputs, item, index, configurationItemError(context, index, error));
			continue;
		}
		const result = compiled.apply(item.json, (row) => sources.get(row));
		if (!result.ok) {
			const { message, description } = transform.describeItemFailures(index, result.failures);
			failItem(context, outputs, item, index, itemError(context, index, message, description));
			continue;
		}
		const json = result.json as IDataObject;
		if (correlation.readCorrelationId(json, correlationField) === undefined)
			json[correlationField] = correlationIdFor(item.json, correlationField).id;
		outputs[0].push(pairedItem(item, index, json));
	}
	if (plan.hints.length > 0)
		context.addExecutionHints(...plan.hints.map((message) => hint(message)));
	return outputs;
}

/**
 * Reads the mapping parameters once. Expressions that do not read the current item
 * are evaluated now; a mapping without per-item expressions is checked and compiled
 * now, so a malformed one fails the node before any item is converted.
 */
function planMapping(context: IExecuteFunctions): MappingPlan {
	const mappingSource = context.getNodeParameter('mappingSource', 0) as 'fields' | 'json';
	return mappingSource === 'json' ? planFromJson(context) : planFromFields(context);
}

function planFromJson(context: IExecuteFunctions): MappingPlan {
	const raw = context.getNodeParameter('mappingJson', 0, '', { rawExpressions: true }) as unknown;
	const perItem = isExpressionValue(raw) && ITEM_REFERENCE.test(raw);
	const noSources = {
		expressionSources: new Set<number>(),
		sourcesFor: () => new Map<number, unknown>(),
	};
	if (!perItem) {
		const compiled = compileOrFail(
			context,
			context.getNodeParameter('mappingJson', 0) as unknown,
			'Mapping (JSON)',
			new Set(),
		);
		return { compiled, compiledFor: () => compiled, hints: [], ...noSources };
	}
	const compileCached = compiledVariants(context, new Set());
	return {
		compiled: undefined,
		compiledFor: (index) =>
			compileCached(context.getNodeParameter('mappingJson', index) as unknown),
		hints: [
			'Mapping (JSON) refers to the current item, so it is read and checked for every item. Reference a mapping that is the same for all items to have it read once.',
		],
		...noSources,
	};
}

function planFromFields(context: IExecuteFunctions): MappingPlan {
	// Copies: the raw values are the node's own parameters, and evaluated expressions are written into them.
	const rows = structuredClone(
		context.getNodeParameter('mappings.field', 0, [], { rawExpressions: true }) as IDataObject[],
	);
	if (rows.length === 0) {
		throw configError(
			context,
			'Fields',
			'is empty: no fields to map',
			'Add at least one row under Fields, or choose Mapping From: JSON.',
		);
	}
	const profile = structuredClone(
		context.getNodeParameter('profile', 0, {}, { rawExpressions: true }) as IDataObject,
	);
	const options = structuredClone(
		context.getNodeParameter('options', 0, {}, { rawExpressions: true }) as IDataObject,
	);
	const expressionSources = new Set<number>();
	rows.forEach((row, index) => {
		if (isExpressionValue(row.source)) expressionSources.add(index);
	});
	const parameters: PanelParameters = { rows, profile, options };
	const expressions: ExpressionParameter[] = [];
	rows.forEach((row, index) => {
		for (const [key, value] of Object.entries(row)) {
			// A Source Field expression is the value itself (read per item), not a setting.
			if (key !== 'source')
				scanExpressions(
					value,
					`mappings.field[${index}].${key}`,
					'rows',
					[index, key],
					expressions,
				);
		}
	});
	scanExpressions(profile, 'profile', 'profile', [], expressions);
	scanExpressions(options, 'options', 'options', [], expressions);
	// Evaluated once: expressions that cannot differ between items.
	for (const expression of expressions.filter((entry) => !entry.perItem)) {
		assign(
			parameters[expression.root],
			expression.segments,
			context.getNodeParameter(expression.name, 0),
		);
	}
	const sourcesFor = sourceReader(context, rows, expressionSources);
	const hints = sourceHints(rows, expressionSources);
	const perItem = expressions.filter((entry) => entry.perItem);
	if (perItem.length === 0) {
		const compiled = compileOrFail(
			context,
			buildMapping(context, parameters, expressionSources),
			'Fields',
			expressionSources,
		);
		return { compiled, compiledFor: () => compiled, sourcesFor, expressionSources, hints };
	}
	const compileCached = compiledVariants(context, expressionSources);
	return {
		compiled: undefined,
		compiledFor: (index) => {
			const variant = structuredClone(parameters);
			for (const expression of perItem)
				assign(
					variant[expression.root],
					expression.segments,
					context.getNodeParameter(expression.name, index),
				);
			return compileCached(
				mappingFromParameters(variant.rows, variant.profile, variant.options, expressionSources),
			);
		},
		sourcesFor,
		expressionSources,
		hints: [
			...hints,
			'Some mapping settings are expressions that refer to the current item, so the mapping is checked and compiled per distinct value.',
		],
	};
}

function buildMapping(
	context: IExecuteFunctions,
	parameters: PanelParameters,
	expressionSources: ReadonlySet<number>,
): unknown {
	try {
		return mappingFromParameters(
			parameters.rows,
			parameters.profile,
			parameters.options,
			expressionSources,
		);
	} catch (error) {
		if (error instanceof transform.MappingError)
			throw operationError(context, error.message, { description: error.fix });
		throw new NodeOperationError(context.getNode(), error as Error);
	}
}

/** Source Field expressions: per item when they read the item, else once. */
function sourceReader(
	context: IExecuteFunctions,
	rows: IDataObject[],
	expressionSources: ReadonlySet<number>,
): (index: number) => Map<number, unknown> {
	const once = new Map<number, unknown>();
	const perItem: number[] = [];
	for (const row of expressionSources) {
		if (ITEM_REFERENCE.test(String(rows[row].source))) perItem.push(row);
		else once.set(row, context.getNodeParameter(`mappings.field[${row}].source`, 0));
	}
	if (perItem.length === 0) return () => once;
	return (index) => {
		const values = new Map(once);
		for (const row of perItem)
			values.set(row, context.getNodeParameter(`mappings.field[${row}].source`, index));
		return values;
	};
}

function sourceHints(rows: IDataObject[], expressionSources: ReadonlySet<number>): string[] {
	const perItem = [...expressionSources].filter((row) =>
		ITEM_REFERENCE.test(String(rows[row].source)),
	);
	if (perItem.length === 0) return [];
	const targets = perItem.map((row) => `"${String(rows[row].target)}"`).join(', ');
	return [
		`The Source Field of ${targets} is an expression evaluated for every item. A source path is much faster for large batches.`,
	];
}

function compileOrFail(
	context: IExecuteFunctions,
	mapping: unknown,
	parameter: string,
	expressionSources: ReadonlySet<number>,
): transform.CompiledMapping {
	try {
		return transform.compileMapping(mapping, { externalFields: expressionSources });
	} catch (error) {
		if (error instanceof transform.MappingError) {
			throw operationError(
				context,
				parameter === 'Fields' ? error.message : `${parameter}: ${error.message}`,
				{ description: error.fix },
			);
		}
		throw new NodeOperationError(context.getNode(), error as Error);
	}
}

/** Compiles per distinct mapping value; a malformed one is remembered too, so it fails fast for every item. */
function compiledVariants(
	context: IExecuteFunctions,
	expressionSources: ReadonlySet<number>,
): (mapping: unknown) => transform.CompiledMapping {
	const cache = new Map<string, transform.CompiledMapping | transform.MappingError>();
	return (mapping) => {
		const key = typeof mapping === 'string' ? mapping : hash.stableStringify(mapping);
		let entry = cache.get(key);
		if (entry === undefined) {
			try {
				entry = transform.compileMapping(mapping, { externalFields: expressionSources });
			} catch (error) {
				if (!(error instanceof transform.MappingError))
					throw new NodeOperationError(context.getNode(), error as Error);
				entry = error;
			}
			if (cache.size >= MAX_COMPILED_VARIANTS) cache.clear();
			cache.set(key, entry);
		}
		if (entry instanceof transform.MappingError) throw entry;
		return entry;
	};
}

function configurationItemError(
	context: IExecuteFunctions,
	index: number,
	error: unknown,
): NodeOperationError {
	if (error instanceof transform.MappingError)
		return itemError(context, index, `Item ${index}: ${error.message}`, error.fix);
	const message = error instanceof Error ? error.message : String(error);
	return itemError(
		context,
		index,
		`Item ${index}: an expression of the mapping failed: ${message}`,
		'Check the expressions in the mapping for this item.',
	);
}

function exportItem(
	context: IExecuteFunctions,
	plan: MappingPlan,
	count: number,
): INodeExecutionData {
	if (plan.expressionSources.size > 0) {
		const rows = [...plan.expressionSources].map((row) => row + 1).join(', ');
		throw configError(
			context,
			`Mapping entry ${rows}`,
			'takes its value from an expression, which a JSON mapping cannot carry',
			'Give those rows a source path to export the mapping, or add the values with a Set node after the Canonical Transform that reads the JSON.',
		);
	}
	let compiled: transform.CompiledMapping;
	try {
		compiled = plan.compiled ?? plan.compiledFor(0);
	} catch (error) {
		throw new NodeOperationError(
			context.getNode(),
			error instanceof Error ? error.message : String(error),
			{
				description: error instanceof transform.MappingError ? error.fix : undefined,
			},
		);
	}
	// One mapping for the whole batch: paired with every input item, as an aggregate is.
	return {
		json: { mapping: transform.exportMapping(compiled) },
		pairedItem: Array.from({ length: count }, (_, item) => ({ item })),
	};
}

/** Every expression inside a raw parameter value, with where it sits. */
function scanExpressions(
	value: unknown,
	name: string,
	root: keyof PanelParameters,
	segments: Array<string | number>,
	found: ExpressionParameter[],
): void {
	if (isExpressionValue(value)) {
		found.push({ name, root, segments, perItem: ITEM_REFERENCE.test(value) });
		return;
	}
	if (Array.isArray(value)) {
		value.forEach((entry, index) =>
			scanExpressions(entry, `${name}[${index}]`, root, [...segments, index], found),
		);
	} else if (value !== null && typeof value === 'object') {
		for (const [key, entry] of Object.entries(value))
			scanExpressions(entry, `${name}.${key}`, root, [...segments, key], found);
	}
}

function assign(target: object, segments: Array<string | number>, value: unknown): void {
	let current = target as Record<string | number, unknown>;
	for (const segment of segments.slice(0, -1))
		current = current[segment] as Record<string | number, unknown>;
	current[segments[segments.length - 1]] = value;
}
