import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import {
	correlation,
	createOperationContext,
	failItem,
	finishOperation,
	itemError,
	pairedItem,
	paths,
	resolveScope,
	schema,
	storeFailure,
	type OperationContext,
} from '../shared';
import { SCHEMA_GUARD_STORES } from './description';
import { OUTPUTS, outputNames, type OutputName } from './outputs';
import {
	compileHints,
	driftHint,
	memoryFullHint,
	reportItem,
	type Counts,
	type SettledDrift,
} from './report';
import { CONTRACT_LABELS, readSettings, type Settings } from './settings';

/**
 * Checks each item against the schema: Valid, Invalid, or (Freeze) an error naming the
 * change; then the batch's drift, remembered or not, on Drift Report and in the hints.
 */
export async function execute(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const settings = readSettings(context);
	const op = createOperationContext(context, {
		outputs: outputNames({ driftReport: settings.driftReport }, OUTPUTS) as readonly OutputName[],
		stores: SCHEMA_GUARD_STORES,
	});
	const { items } = op;
	const collector = new schema.DriftCollector(settings.compiled.model);
	const counts: Counts = { items: items.length, valid: 0, invalid: 0, errors: 0 };
	const routing = routingOf(op, settings);
	const watchesNulls = collector.watchesNulls;

	const { compiled, fieldToCheck } = settings;
	const whole = fieldToCheck.length === 0;
	for (let index = 0; index < items.length; index++) {
		const source = items[index];
		const checked = whole ? source.json : paths.readPath(source.json, fieldToCheck);
		// The common item: valid, nothing new, leaving as it came. No verdict is built.
		if (checked !== undefined && schema.isCleanlyValid(compiled, checked)) {
			if (watchesNulls)
				collector.observe(index, NO_FINDINGS, checked, correlationOf(source, settings));
			counts.valid++;
			routing.valid.push(validItem(routing, source, index, source.json, undefined));
			continue;
		}
		const verdict =
			checked === undefined && !whole
				? missingField(settings.fieldToCheckText)
				: schema.checkAgainstSchema(
						compiled,
						checked,
						settings.contract,
						settings.maxProblems,
						checked !== undefined,
					);
		if (verdict.findings.length > 0 || watchesNulls)
			collector.observe(index, verdict.findings, checked, correlationOf(source, settings));
		route(op, routing, source, index, verdict, settings, counts);
	}

	const drift = await settleDrift(op, settings, collector);
	op.hints.push(...compileHints(settings));
	if (drift.entries.length > 0)
		op.hints.push(driftHint(drift.entries, drift.isNew, settings.driftMemory, counts.items));
	if (drift.full) op.hints.push(memoryFullHint(drift.full));
	const alert = settings.driftMemory ? drift.isNew.some(Boolean) : drift.entries.length > 0;
	if (settings.driftReport && alert) {
		op.outputs.push('Drift Report', reportItem(settings, drift, counts, collector, items.length));
	}
	return finishOperation(op);
}

/** The item as it leaves: the input's json (shared, not copied), or a copy with discarded values. */
function leavingJson(
	input: IDataObject,
	verdict: schema.SchemaVerdict,
	settings: Settings,
): IDataObject {
	if (settings.fieldToCheck.length === 0) return verdict.json as IDataObject;
	const checked = paths.readPath(input, settings.fieldToCheck);
	if (verdict.json === checked) return input;
	const copy = { ...input };
	paths.setPath(copy, settings.fieldToCheck, verdict.json, new Set([copy]));
	return copy;
}

/** Field to Check names a field the item does not have: the item is invalid. */
function missingField(path: string): schema.SchemaVerdict {
	const problem = {
		kind: 'requiredMissing' as const,
		path,
		pointer: '',
		expected: 'a value to check',
		received: 'nothing (the field is missing)',
		message: `${path} is missing: Field to Check names it, but the item does not have it`,
	};
	return {
		outcome: 'invalid',
		json: undefined,
		problems: [problem],
		problemCount: 1,
		changes: [],
		findings: [],
	};
}

/** Nothing found in a cleanly valid item, for the drift collector (read, never written). */
const NO_FINDINGS: readonly schema.SchemaFinding[] = Object.freeze([]);

function correlationOf(source: INodeExecutionData, settings: Settings): string | undefined {
	return correlation.readCorrelationId(source.json, settings.correlationField);
}

/** What every item's routing needs, worked out once per execution. */
interface Routing {
	label: { schema: string | null; version: string };
	valid: INodeExecutionData[];
	/** Add Result to Valid Items: the result field, or undefined when valid items leave as they came. */
	outputField: string | undefined;
}

function routingOf(op: OperationContext<OutputName>, settings: Settings): Routing {
	return {
		label: { schema: settings.name === '' ? null : settings.name, version: settings.version },
		valid: op.outputs.buckets[op.outputs.index('Valid')],
		outputField: settings.annotateValid ? settings.outputField : undefined,
	};
}

/**
 * A valid item as it leaves: its json as it came (shared with the input, never written)
 * or, with Add Result to Valid Items, a copy with the result added.
 */
function validItem(
	routing: Routing,
	source: INodeExecutionData,
	index: number,
	json: IDataObject,
	changes: schema.SchemaChange[] | undefined,
): INodeExecutionData {
	let leaving = json;
	const field = routing.outputField;
	if (field !== undefined) {
		// A copy, then the result: quicker than one literal with a computed key.
		leaving = { ...json };
		leaving[field] = {
			valid: true,
			schema: routing.label.schema,
			version: routing.label.version,
			// The result leaves with the item: its own list, even when empty.
			changes: (changes ?? []) as unknown as IDataObject[],
		};
	}
	return pairedItem(source, index, leaving);
}

function route(
	op: OperationContext<OutputName>,
	routing: Routing,
	source: INodeExecutionData,
	index: number,
	verdict: schema.SchemaVerdict,
	settings: Settings,
	counts: Counts,
): void {
	const { label } = routing;
	if (verdict.outcome === 'valid') {
		counts.valid++;
		const json = leavingJson(source.json, verdict, settings);
		routing.valid.push(validItem(routing, source, index, json, verdict.changes));
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
		op.outputs.push(
			'Invalid',
			pairedItem(source, index, { ...source.json, [settings.outputField]: result }),
		);
		return;
	}
	// Freeze: the node stops, naming the change; with "On Error: Continue" the item goes to the error output.
	counts.errors++;
	const change = verdict.frozen!;
	const error = itemError(
		op.context,
		index,
		`Schema drift in item ${index}: ${change.message}`,
		`${CONTRACT_LABELS[change.kind]} is set to Freeze. If the change is expected, update the schema (and its version); otherwise choose Evolve, Discard Value or Discard Item.`,
	);
	failItem(op.context, op.outputs.buckets, source, index, error, op.outputs.index('Invalid'));
}

/** Drift entries of the batch, null-rate jumps included, and which are new (see rememberDrift). */
async function settleDrift(
	op: OperationContext,
	settings: Settings,
	collector: schema.DriftCollector,
): Promise<SettledDrift> {
	const { context } = op;
	const entries = collector.entries();
	const stats = collector.nullStats();
	const model = settings.compiled.model;
	if (!settings.driftMemory) {
		const jumps = schema.nullRateJumps(
			stats,
			(path) => model.nullRateBaselines.get(path),
			settings.nullRate,
		);
		const all = schema.sortDriftEntries([...entries, ...jumps]);
		return { entries: all, isNew: all.map(() => true) };
	}
	try {
		const identity = schema.schemaIdentity(
			settings.name,
			settings.version,
			settings.compiled.fingerprint,
		);
		const namespace = resolveScope(context, 'schema-drift');
		return await schema.rememberDrift(
			async (steps) => await (await op.store()).increment(namespace, steps),
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
