import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { configError, isExpressionValue, operationError, transform } from '../../shared';
import { compiledVariants, compileOrFail } from './compile';
import {
	assign,
	ITEM_REFERENCE,
	scanExpressions,
	type ExpressionParameter,
	type PanelParameters,
} from './expressions';
import { mappingFromParameters } from './parameters';

/** How this execution gets its compiled mapping and per-item source values. */
export interface MappingPlan {
	/** Compiled once for the whole execution; undefined when the mapping differs per item. */
	compiled: transform.CompiledMapping | undefined;
	/** The mapping for item `index` (compiled once per distinct value). Throws transform.MappingError or an expression error. */
	compiledFor(index: number): transform.CompiledMapping;
	/** Values of rows whose Source Field is an expression, by row index. Throws an expression error. */
	sourcesFor(index: number): Map<number, unknown>;
	/** Rows whose Source Field is an expression. */
	expressionSources: ReadonlySet<number>;
	/** Those expressions as a mapping JSON carries them ("{{ … }}", without the leading "="). */
	expressionTexts: ReadonlyMap<number, string>;
	hints: string[];
}

/**
 * Reads the mapping parameters once. Expressions that do not read the current item
 * are evaluated now; a mapping without per-item expressions is checked and compiled
 * now, so a malformed one fails the node before any item is converted.
 */
export function planMapping(context: IExecuteFunctions): MappingPlan {
	const mappingSource = context.getNodeParameter('mappingSource', 0) as
		| 'fields'
		| 'json'
		| 'preset';
	const version = mappingVersion(context);
	if (mappingSource === 'json') return planFromJson(context, version);
	return planFromFields(context, version, mappingSource === 'preset');
}

/** Node version 1.1 writes and reads mappings of version 2 (VERSION_DEFAULTS in the core). */
export function mappingVersion(context: IExecuteFunctions): transform.MappingVersion {
	return context.getNode().typeVersion >= 1.1 ? 2 : 1;
}

function planFromJson(context: IExecuteFunctions, version: transform.MappingVersion): MappingPlan {
	const raw = context.getNodeParameter('mappingJson', 0, '', { rawExpressions: true }) as unknown;
	const perItem = isExpressionValue(raw) && ITEM_REFERENCE.test(raw);
	// Entries with an "expression" (exported from rows whose Source Field was one): evaluated here, per item.
	const expressionValues = (compiled: transform.CompiledMapping, index: number) => {
		const values = new Map<number, unknown>();
		if (isExpressionValue(raw)) refuseExpressionEntries(compiled);
		compiled.definition.fields.forEach((field, row) => {
			if (field.expression !== undefined)
				values.set(row, context.evaluateExpression(field.expression, index));
		});
		return values;
	};
	const noSources = { expressionSources: new Set<number>(), expressionTexts: new Map() };
	if (!perItem) {
		const compiled = compileOrFail(
			context,
			context.getNodeParameter('mappingJson', 0) as unknown,
			'Mapping (JSON)',
			new Set(),
			version,
		);
		if (isExpressionValue(raw)) {
			try {
				refuseExpressionEntries(compiled);
			} catch (error) {
				const { message, fix } = error as transform.MappingError;
				throw configError(context, 'Mapping (JSON)', message, fix);
			}
		}
		return {
			compiled,
			compiledFor: () => compiled,
			sourcesFor: (index) => expressionValues(compiled, index),
			hints: [],
			...noSources,
		};
	}
	const compileCached = compiledVariants(context, new Set(), version);
	const compiledFor = (index: number) =>
		compileCached(context.getNodeParameter('mappingJson', index) as unknown);
	return {
		compiled: undefined,
		compiledFor,
		sourcesFor: (index) => expressionValues(compiledFor(index), index),
		hints: [
			'Mapping (JSON) refers to the current item, so it is read and checked for every item. Reference a mapping that is the same for all items to have it read once.',
		],
		...noSources,
	};
}

/**
 * An "expression" entry runs as an n8n expression. Only a mapping typed into the node may
 * carry one: a mapping read through an expression comes from data (another node, a
 * database, a webhook), and data must never choose code to run.
 */
function refuseExpressionEntries(compiled: transform.CompiledMapping): void {
	const rows = compiled.definition.fields.flatMap((field, row) =>
		field.expression === undefined ? [] : [row + 1],
	);
	if (rows.length > 0) {
		throw new transform.MappingError(
			`has "expression" in entry ${rows.join(', ')}, but the mapping is read through an expression, from data`,
			'Paste the mapping into Mapping (JSON) itself to keep its expression entries, or give those entries a source path.',
		);
	}
}

function planFromFields(
	context: IExecuteFunctions,
	version: transform.MappingVersion,
	fromPreset: boolean,
): MappingPlan {
	// Copies: the raw values are the node's own parameters, and evaluated expressions are written into them.
	const rows = structuredClone(
		context.getNodeParameter('mappings.field', 0, [], { rawExpressions: true }) as IDataObject[],
	);
	const preset = fromPreset
		? {
				source: context.getNodeParameter('presetSource', 0) as string,
				model: context.getNodeParameter('presetModel', 0) as string,
				remove: context.getNodeParameter('presetRemove', 0, '') as string,
			}
		: undefined;
	if (rows.length === 0 && preset === undefined) {
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
		if (row.valueFrom !== 'constant' && isExpressionValue(row.source)) expressionSources.add(index);
	});
	if (preset !== undefined && expressionSources.size > 0) {
		throw configError(
			context,
			`Fields, row ${[...expressionSources].map((row) => row + 1).join(', ')}`,
			'has an expression as its Source Field, which a preset cannot take',
			'Give a source path or a fixed value; or run Export Mapping, paste the result into Mapping From: JSON and add the expression there.',
		);
	}
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
	const expressionTexts = new Map(
		[...expressionSources].map((row) => [row, String(rows[row].source).replace(/^=/, '')]),
	);
	const hints = sourceHints(rows, expressionSources);
	const perItem = expressions.filter((entry) => entry.perItem);
	if (perItem.length === 0) {
		const compiled = compileOrFail(
			context,
			buildMapping(context, parameters, expressionSources, version, preset),
			preset === undefined ? 'Fields' : 'Vendor Preset',
			expressionSources,
			version,
		);
		return {
			compiled,
			compiledFor: () => compiled,
			sourcesFor,
			expressionSources,
			expressionTexts,
			hints,
		};
	}
	const compileCached = compiledVariants(context, expressionSources, version);
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
				mappingFromParameters(
					variant.rows,
					variant.profile,
					variant.options,
					expressionSources,
					version,
					preset,
				),
			);
		},
		sourcesFor,
		expressionSources,
		expressionTexts,
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
	version: transform.MappingVersion,
	preset: Parameters<typeof mappingFromParameters>[5],
): unknown {
	try {
		return mappingFromParameters(
			parameters.rows,
			parameters.profile,
			parameters.options,
			expressionSources,
			version,
			preset,
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
