import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import {
	configError,
	fieldNameOption,
	operationError,
	paths,
	schema,
	time,
	type json,
} from '../shared';

/** Schema Guard's parameters, read and checked once per execution, before any item. */

type SourceKind = schema.SchemaSource['kind'];

export interface Settings {
	compiled: schema.CompiledSchema;
	/** Path segments of Field to Check; empty checks the whole item. */
	fieldToCheck: paths.PathSegment[];
	fieldToCheckText: string;
	contract: schema.SchemaContract;
	name: string;
	version: string;
	driftReport: boolean;
	driftMemory: boolean;
	annotateValid: boolean;
	outputField: string;
	correlationField: string;
	maxProblems: number;
	nullRate: { thresholdPoints: number; minValues: number };
	memory: schema.DriftMemorySettings;
}

/** Labels of the contract parameters, for errors that tell the user what to change. */
export const CONTRACT_LABELS: Record<schema.SchemaChangeKind, string> = {
	fieldAdded: 'On New Fields',
	typeChanged: 'On Type Changes',
	requiredMissing: 'On Missing Fields',
};

export function readSettings(context: IExecuteFunctions): Settings {
	const options = context.getNodeParameter('options', 0, {}) as IDataObject;
	const driftMemory = context.getNodeParameter('driftMemory', 0, false) === true;
	const alertAgainDays = positiveNumber(
		context,
		options.alertAgainDays ?? 0,
		'Alert Again After (Days)',
		true,
	);
	const lifetimeDays = positiveNumber(
		context,
		options.driftMemoryDays ?? schema.DRIFT_MEMORY_DEFAULTS.lifetimeDays,
		'Remember Drift For (Days)',
		false,
	);
	const maxMarkers = Math.floor(
		positiveNumber(
			context,
			options.maxDriftMarkers ?? schema.DRIFT_MEMORY_DEFAULTS.maxMarkers,
			'Max Remembered Drifts',
			false,
		),
	);
	const fieldToCheckText = String(options.fieldToCheck ?? '').trim();
	return {
		compiled: compile(context, options),
		fieldToCheck: readFieldToCheck(context, fieldToCheckText),
		fieldToCheckText,
		contract: readContract(context),
		name: String(context.getNodeParameter('schemaName', 0, '')).trim(),
		version: String(context.getNodeParameter('schemaVersion', 0, '1')).trim(),
		driftReport: context.getNodeParameter('driftReport', 0, true) !== false,
		driftMemory,
		annotateValid: options.annotateValid !== false,
		outputField: fieldNameOption(context, 'options.outputField', 'Output Field', 'schemaGuard'),
		correlationField: fieldNameOption(
			context,
			'options.correlationField',
			'Correlation ID Field',
			'correlationId',
		),
		maxProblems: Math.floor(
			positiveNumber(context, options.maxProblems ?? 20, 'Max Problems per Item', false),
		),
		nullRate: {
			thresholdPoints: positiveNumber(
				context,
				options.nullRateJump ?? 25,
				'Null Rate Jump (Percentage Points)',
				false,
			),
			minValues: positiveNumber(
				context,
				options.nullRateMinValues ?? 20,
				'Null Rate Minimum Values',
				false,
			),
		},
		memory: {
			lifetimeMs: Math.max(1, Math.round(lifetimeDays * time.DAY_MS)),
			alertAgainMs:
				alertAgainDays > 0 ? Math.max(1, Math.round(alertAgainDays * time.DAY_MS)) : null,
			maxMarkers: Math.max(1, maxMarkers),
		},
	};
}

/** The schema, compiled before any item is looked at; a bad one fails the node, pointing at the place. */
function compile(context: IExecuteFunctions, options: IDataObject): schema.CompiledSchema {
	const kind = context.getNodeParameter('schemaSource', 0) as SourceKind;
	const dialect = (options.dialect ?? 'auto') as schema.SchemaDialectOption;
	if (!schema.SCHEMA_DIALECT_OPTIONS.includes(dialect)) {
		throw configError(
			context,
			'Dialect',
			`is "${String(dialect)}"`,
			'Choose Auto-Detect, JSON Schema 2020-12, 2019-09, Draft-07 or OpenAPI 3.0.',
		);
	}
	try {
		return schema.compileSchema(readSource(context, kind), {
			dialect,
			checkFormats: options.checkFormats !== false,
			referencedSchemas: options.referencedSchemas,
		});
	} catch (error) {
		if (!(error instanceof schema.SchemaError))
			throw new NodeOperationError(context.getNode(), error as Error);
		throw operationError(context, error.message, { description: schemaErrorHelp(error, kind) });
	}
}

function readFieldToCheck(context: IExecuteFunctions, text: string): paths.PathSegment[] {
	if (text === '') return [];
	try {
		const segments = paths.parsePath(text);
		if (segments.some((segment) => segment === paths.EACH_ELEMENT))
			throw new paths.PathSyntaxError(text, 'has [*]: name one value');
		return segments;
	} catch (error) {
		throw configError(
			context,
			'Field to Check',
			(error as Error).message,
			'Use a dotted path such as body or body.order.',
		);
	}
}

function readSource(context: IExecuteFunctions, kind: SourceKind): schema.SchemaSource {
	switch (kind) {
		case 'jsonSchema':
			return { kind, schema: context.getNodeParameter('jsonSchema', 0) };
		case 'sample':
			return { kind, sample: context.getNodeParameter('sample', 0) };
		case 'fields':
			return { kind, fields: readFields(context) };
		default:
			throw configError(
				context,
				'Schema Source',
				`is "${String(kind)}"`,
				'Choose Field List, JSON Schema or Sample Payload.',
			);
	}
}

function readFields(context: IExecuteFunctions): schema.SchemaFieldSpec[] {
	const rows = context.getNodeParameter('fields.field', 0, []) as IDataObject[];
	return rows.map((row) => {
		const constraints = (row.constraints ?? {}) as IDataObject;
		const spec: schema.SchemaFieldSpec = {
			name: String(row.name ?? ''),
			type: String(row.type ?? 'string') as schema.SchemaFieldType,
			required: row.required !== false,
			nullable: row.nullable === true,
		};
		if (typeof constraints.format === 'string') spec.format = constraints.format;
		if (typeof constraints.pattern === 'string') spec.pattern = constraints.pattern;
		if (typeof constraints.allowedValues === 'string')
			spec.allowedValues = constraints.allowedValues;
		if (Array.isArray(constraints.allowedValues))
			spec.allowedValues = constraints.allowedValues as json.JsonValue[];
		if (typeof constraints.minimum === 'number') spec.minimum = constraints.minimum;
		if (typeof constraints.maximum === 'number') spec.maximum = constraints.maximum;
		if (typeof constraints.description === 'string' && constraints.description !== '')
			spec.description = constraints.description;
		return spec;
	});
}

function schemaErrorHelp(error: schema.SchemaError, kind: SourceKind): string {
	const where =
		kind === 'jsonSchema'
			? `Fix the JSON Schema parameter${error.pointer === '' ? '' : ` at ${error.pointer}`}.`
			: kind === 'sample'
				? 'Fix the Sample Payload parameter.'
				: 'Fix the field in the Fields list.';
	return error.hint ? `${error.hint} ${where}` : where;
}

function readContract(context: IExecuteFunctions): schema.SchemaContract {
	const read = (
		parameter: string,
		fallback: schema.SchemaContractMode,
		label: string,
	): schema.SchemaContractMode => {
		const mode = context.getNodeParameter(parameter, 0, fallback) as schema.SchemaContractMode;
		if (!schema.SCHEMA_CONTRACT_MODES.includes(mode)) {
			throw configError(
				context,
				label,
				`is "${String(mode)}"`,
				'Choose Evolve, Discard Value, Discard Item or Freeze.',
			);
		}
		return mode;
	};
	return {
		fieldAdded: read('onFieldAdded', 'evolve', CONTRACT_LABELS.fieldAdded),
		typeChanged: read('onTypeChanged', 'discardRow', CONTRACT_LABELS.typeChanged),
		requiredMissing: read('onRequiredMissing', 'discardRow', CONTRACT_LABELS.requiredMissing),
	};
}

function positiveNumber(
	context: IExecuteFunctions,
	value: unknown,
	label: string,
	zeroAllowed: boolean,
): number {
	const number = Number(value);
	if (!Number.isFinite(number) || number < 0 || (!zeroAllowed && number === 0)) {
		const expected = zeroAllowed ? 'number of 0 or more' : 'positive number';
		throw configError(context, label, `must be a ${expected}`, `It is ${String(value)}.`);
	}
	return number;
}
