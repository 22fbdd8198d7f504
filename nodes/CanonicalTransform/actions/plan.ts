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
	hints: string[];
}

/**
 * Reads the mapping parameters once. Expressions that do not read the current item
 * are evaluated now; a mapping without per-item expressions is checked and compiled
 * now, so a malformed one fails the node before any item is converted.
 */
export function planMapping(context: IExecuteFunctions): MappingPlan {
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
