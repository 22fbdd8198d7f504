import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	NodeExecutionHint,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type {
	CompiledSchema,
	DriftEntry,
	DriftMemorySettings,
	JsonValue,
	SchemaChangeKind,
	SchemaContract,
	SchemaContractMode,
	SchemaFieldSpec,
	SchemaFieldType,
	SchemaSource,
	SchemaVerdict,
	Store,
} from '../shared';
import {
	buildDriftReport,
	checkAgainstSchema,
	compileSchema,
	describeDriftEntry,
	DriftCollector,
	failItem,
	DRIFT_MEMORY_DEFAULTS,
	nullRateJumps,
	pairedItem,
	readCorrelationId,
	rememberDrift,
	resolveScope,
	SCHEMA_CONTRACT_MODES,
	SchemaError,
	schemaIdentity,
	sortDriftEntries,
	storeFailure,
	storeForNode,
} from '../shared';
import { SCHEMA_GUARD_STORES } from './description';

const VALID = 0;
const INVALID = 1;
const REPORT = 2;
const DAY_MS = 86_400_000;
/** An inferred schema longer than this is cut in the hint; the drift report has it whole. */
const HINT_SCHEMA_CHARS = 3000;

type SourceKind = SchemaSource['kind'];

interface Settings {
	compiled: CompiledSchema;
	contract: SchemaContract;
	name: string;
	version: string;
	driftReport: boolean;
	driftMemory: boolean;
	annotateValid: boolean;
	outputField: string;
	correlationField: string;
	maxProblems: number;
	nullRate: { thresholdPoints: number; minValues: number };
	memory: DriftMemorySettings;
}

interface Counts {
	items: number;
	valid: number;
	invalid: number;
	errors: number;
}

/** Labels of the contract parameters, for errors that tell the user what to change. */
const CONTRACT_LABELS: Record<SchemaChangeKind, string> = {
	fieldAdded: 'On New Fields',
	typeChanged: 'On Type Changes',
	requiredMissing: 'On Missing Fields',
};

export async function executeSchemaGuard(
	context: IExecuteFunctions,
): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	const settings = readSettings(context);
	const outputs: INodeExecutionData[][] = settings.driftReport ? [[], [], []] : [[], []];
	const collector = new DriftCollector(settings.compiled.model);
	const counts: Counts = { items: items.length, valid: 0, invalid: 0, errors: 0 };

	for (let index = 0; index < items.length; index++) {
		const source = items[index];
		const verdict = checkAgainstSchema(
			settings.compiled,
			source.json,
			settings.contract,
			settings.maxProblems,
		);
		collector.observe(
			index,
			verdict.findings,
			source.json,
			readCorrelationId(source.json, settings.correlationField),
		);
		route(context, outputs, source, index, verdict, settings, counts);
	}

	const drift = await settleDrift(context, settings, collector);
	const hints = compileHints(settings);
	if (drift.entries.length > 0)
		hints.push(driftHint(drift.entries, drift.isNew, settings.driftMemory, counts.items));
	if (drift.full) hints.push(memoryFullHint(drift.full));
	const alert = settings.driftMemory ? drift.isNew.some(Boolean) : drift.entries.length > 0;
	if (settings.driftReport && alert) {
		outputs[REPORT].push(reportItem(settings, drift, counts, collector, items.length));
	}
	if (hints.length > 0) context.addExecutionHints(...hints);
	return outputs;
}

function route(
	context: IExecuteFunctions,
	outputs: INodeExecutionData[][],
	source: INodeExecutionData,
	index: number,
	verdict: SchemaVerdict,
	settings: Settings,
	counts: Counts,
): void {
	const label = { schema: settings.name === '' ? null : settings.name, version: settings.version };
	if (verdict.outcome === 'valid') {
		counts.valid++;
		const json = verdict.json as IDataObject;
		const result = { valid: true, ...label, changes: verdict.changes as unknown as IDataObject[] };
		outputs[VALID].push(
			pairedItem(
				source,
				index,
				settings.annotateValid ? { ...json, [settings.outputField]: result } : json,
			),
		);
		return;
	}
	if (verdict.outcome === 'invalid') {
		counts.invalid++;
		const result = {
			valid: false,
			...label,
			problems: verdict.problems as unknown as IDataObject[],
			problemCount: verdict.problemCount,
		};
		outputs[INVALID].push(
			pairedItem(source, index, { ...source.json, [settings.outputField]: result }),
		);
		return;
	}
	// Freeze: the node stops, naming the change; with "On Error: Continue" the item goes to the error output.
	counts.errors++;
	const change = verdict.frozen!;
	const error = new NodeOperationError(
		context.getNode(),
		`Schema drift in item ${index}: ${change.message}`,
		{
			itemIndex: index,
			description: `${CONTRACT_LABELS[change.kind]} is set to Freeze. If the change is expected, update the schema (and its version); otherwise choose Evolve, Discard Value or Discard Row.`,
		},
	);
	failItem(context, outputs, source, index, error, INVALID);
}

function readSettings(context: IExecuteFunctions): Settings {
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
		options.driftMemoryDays ?? DRIFT_MEMORY_DEFAULTS.lifetimeDays,
		'Remember Drift For (Days)',
		false,
	);
	const maxMarkers = Math.floor(
		positiveNumber(
			context,
			options.maxDriftMarkers ?? DRIFT_MEMORY_DEFAULTS.maxMarkers,
			'Max Remembered Drifts',
			false,
		),
	);
	return {
		compiled: compile(context),
		contract: readContract(context),
		name: String(context.getNodeParameter('schemaName', 0, '')).trim(),
		version: String(context.getNodeParameter('schemaVersion', 0, '1')).trim(),
		driftReport: context.getNodeParameter('driftReport', 0, true) !== false,
		driftMemory,
		annotateValid: options.annotateValid !== false,
		outputField: String(options.outputField ?? 'schemaGuard') || 'schemaGuard',
		correlationField: String(options.correlationField ?? 'correlationId') || 'correlationId',
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
			lifetimeMs: Math.max(1, Math.round(lifetimeDays * DAY_MS)),
			alertAgainMs: alertAgainDays > 0 ? Math.max(1, Math.round(alertAgainDays * DAY_MS)) : null,
			maxMarkers: Math.max(1, maxMarkers),
		},
	};
}

/** The schema, compiled before any item is looked at; a bad one fails the node, pointing at the place. */
function compile(context: IExecuteFunctions): CompiledSchema {
	const kind = context.getNodeParameter('schemaSource', 0) as SourceKind;
	try {
		return compileSchema(readSource(context, kind));
	} catch (error) {
		if (!(error instanceof SchemaError))
			throw new NodeOperationError(context.getNode(), error as Error);
		throw new NodeOperationError(context.getNode(), error.message, {
			description: schemaErrorHelp(error, kind),
		});
	}
}

function readSource(context: IExecuteFunctions, kind: SourceKind): SchemaSource {
	switch (kind) {
		case 'jsonSchema':
			return { kind, schema: context.getNodeParameter('jsonSchema', 0) };
		case 'sample':
			return { kind, sample: context.getNodeParameter('sample', 0) };
		case 'fields':
			return { kind, fields: readFields(context) };
		default:
			throw new NodeOperationError(context.getNode(), `Unknown schema source "${String(kind)}"`, {
				description: 'Choose Field List, JSON Schema or Sample Payload.',
			});
	}
}

function readFields(context: IExecuteFunctions): SchemaFieldSpec[] {
	const rows = context.getNodeParameter('fields.field', 0, []) as IDataObject[];
	return rows.map((row) => {
		const constraints = (row.constraints ?? {}) as IDataObject;
		const spec: SchemaFieldSpec = {
			name: String(row.name ?? ''),
			type: String(row.type ?? 'string') as SchemaFieldType,
			required: row.required !== false,
			nullable: row.nullable === true,
		};
		if (typeof constraints.format === 'string') spec.format = constraints.format;
		if (typeof constraints.pattern === 'string') spec.pattern = constraints.pattern;
		if (typeof constraints.allowedValues === 'string')
			spec.allowedValues = constraints.allowedValues;
		if (Array.isArray(constraints.allowedValues))
			spec.allowedValues = constraints.allowedValues as JsonValue[];
		if (typeof constraints.minimum === 'number') spec.minimum = constraints.minimum;
		if (typeof constraints.maximum === 'number') spec.maximum = constraints.maximum;
		if (typeof constraints.description === 'string' && constraints.description !== '')
			spec.description = constraints.description;
		return spec;
	});
}

function schemaErrorHelp(error: SchemaError, kind: SourceKind): string {
	const where =
		kind === 'jsonSchema'
			? `Fix the JSON Schema parameter${error.pointer === '' ? '' : ` at ${error.pointer}`}.`
			: kind === 'sample'
				? 'Fix the Sample Payload parameter.'
				: 'Fix the field in the Fields list.';
	return error.hint ? `${error.hint} ${where}` : where;
}

function readContract(context: IExecuteFunctions): SchemaContract {
	const read = (
		parameter: string,
		fallback: SchemaContractMode,
		label: string,
	): SchemaContractMode => {
		const mode = context.getNodeParameter(parameter, 0, fallback) as SchemaContractMode;
		if (!SCHEMA_CONTRACT_MODES.includes(mode)) {
			throw new NodeOperationError(context.getNode(), `${label} is "${String(mode)}"`, {
				description: 'Choose Evolve, Discard Value, Discard Row or Freeze.',
			});
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
		throw new NodeOperationError(
			context.getNode(),
			`${label} must be a ${zeroAllowed ? 'number of 0 or more' : 'positive number'}`,
			{
				description: `It is ${String(value)}.`,
			},
		);
	}
	return number;
}

interface SettledDrift {
	entries: DriftEntry[];
	isNew: boolean[];
	/** Drift memory was full: nothing new was remembered. */
	full?: { markers: number; maxMarkers: number };
}

/** Drift entries of the batch, null-rate jumps included, and which are new (see rememberDrift). */
async function settleDrift(
	context: IExecuteFunctions,
	settings: Settings,
	collector: DriftCollector,
): Promise<SettledDrift> {
	const entries = collector.entries();
	const stats = collector.nullStats();
	const model = settings.compiled.model;
	if (!settings.driftMemory) {
		const jumps = nullRateJumps(
			stats,
			(path) => model.nullRateBaselines.get(path),
			settings.nullRate,
		);
		const all = sortDriftEntries([...entries, ...jumps]);
		return { entries: all, isNew: all.map(() => true) };
	}
	try {
		const identity = schemaIdentity(settings.name, settings.version, settings.compiled.fingerprint);
		const namespace = resolveScope(context, 'schema-drift');
		let store: Store | undefined;
		return await rememberDrift(
			async (steps) => {
				store ??= await storeForNode(context, [...SCHEMA_GUARD_STORES]);
				return await store.increment(namespace, steps);
			},
			{
				identity,
				entries,
				nullStats: stats,
				model,
				nullRate: settings.nullRate,
				settings: settings.memory,
			},
		);
	} catch (error) {
		throw storeFailure(context, error);
	}
}

function reportItem(
	settings: Settings,
	drift: SettledDrift,
	counts: Counts,
	collector: DriftCollector,
	itemCount: number,
): INodeExecutionData {
	const { compiled } = settings;
	const json = buildDriftReport({
		schema: {
			name: settings.name,
			version: settings.version,
			fingerprint: compiled.fingerprint,
			source: compiled.source,
		},
		entries: drift.entries,
		isNew: drift.isNew,
		memory: settings.driftMemory,
		memoryFull: drift.full ? memoryFullNote(drift.full) : undefined,
		counts: { ...counts, withDrift: collector.itemsWithDrift().length },
		moreDrift: collector.overflow,
		inferredSchema: compiled.source === 'sample' ? (compiled.document as JsonValue) : undefined,
	});
	// The report summarises the items that drifted: it pairs with them.
	const paired = new Set<number>(collector.itemsWithDrift());
	for (const entry of drift.entries)
		if (entry.kind === 'nullRateJump') for (const example of entry.examples) paired.add(example);
	if (paired.size === 0 && itemCount > 0) paired.add(0);
	return {
		json: json as IDataObject,
		pairedItem: [...paired].sort((a, b) => a - b).map((item) => ({ item })),
	};
}

function compileHints(settings: Settings): NodeExecutionHint[] {
	const { compiled } = settings;
	const hints: NodeExecutionHint[] = compiled.warnings.map((message) => ({
		message: `Schema: ${message}`,
		type: 'warning',
		location: 'outputPane',
	}));
	if (compiled.source === 'sample') {
		const text = JSON.stringify(compiled.document);
		const shown =
			text.length > HINT_SCHEMA_CHARS
				? `${text.slice(0, HINT_SCHEMA_CHARS)}… (the whole schema is in the drift report)`
				: text;
		hints.push({
			message: `Schema inferred from the sample (${compiled.model.fieldCount} fields). To pin it, choose JSON Schema and paste: ${shown}`,
			type: 'info',
			location: 'outputPane',
		});
	}
	return hints;
}

function driftHint(
	entries: DriftEntry[],
	isNew: boolean[],
	memory: boolean,
	items: number,
): NodeExecutionHint {
	const fresh = entries.filter((_, index) => isNew[index]);
	if (memory && fresh.length === 0) {
		return {
			message: `Schema drift seen before (${entries.length} kind${entries.length === 1 ? '' : 's'}); no new alert`,
			type: 'info',
			location: 'outputPane',
		};
	}
	const shown = (memory ? fresh : entries)
		.slice(0, 5)
		.map((entry) => describeDriftEntry(entry, items));
	const more = (memory ? fresh : entries).length - shown.length;
	return {
		message: `Schema drift${memory ? ' (new)' : ''}: ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`,
		type: 'warning',
		location: 'outputPane',
	};
}

/** The scope's drift memory holds its maximum: say so, and what to do. */
function memoryFullNote(full: { markers: number; maxMarkers: number }): string {
	return `Drift memory is full (${full.markers} of ${full.maxMarkers} remembered drifts in this scope): drift is reported on every execution until old ones expire (Remember Drift For) or you raise Max Remembered Drifts`;
}

function memoryFullHint(full: { markers: number; maxMarkers: number }): NodeExecutionHint {
	return { message: memoryFullNote(full), type: 'warning', location: 'outputPane' };
}
