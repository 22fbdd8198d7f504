import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import {
	breaker,
	configError,
	correlation,
	correlationFieldProperty,
	failItem,
	fieldNameOption,
	hint,
	isExpression,
	itemError,
	json,
	pairedItem,
	paths,
	storeFailure,
	stores,
	updateDisplayOptions,
	type OperationContext,
	unlessPaired,
} from '../../shared';
import {
	breakerNamespace,
	PAIRING_VERSION,
	changeHint,
	describeChange,
	letsItemsThrough,
	letThroughHint,
	outputField,
	updateBreakers,
} from './common';
import {
	breakerNameProperty,
	onStoreErrorOption,
	optionsCollection,
	outputFieldOption,
} from './common.descriptions';
import {
	judgeFailureItem,
	readFailureCounting,
	verdictJson,
	type ErrorSource,
	type FailureCounting,
} from './failures';
import { breakerNames, checkBreakerCount, type BreakerNames } from './names';
import type { OutputName } from './outputs';
import { readPolicy } from './policy';
import { recordProperties, recordOptions } from './record.description';

/** Record: after the hop, counts successes, failures and latency, and opens or closes the breaker. */

const properties: INodeProperties[] = [
	// Not shown while Record takes the Check node's (version 1.2).
	...unlessPaired(
		{ ...breakerNameProperty, displayOptions: { show: { operation: ['record'] } } },
		{ selector: 'scopeFrom', secondOperations: ['record'], fromVersion: PAIRING_VERSION },
	),
	...recordProperties,
	optionsCollection([
		...recordOptions,
		{ ...correlationFieldProperty },
		onStoreErrorOption,
		outputFieldOption,
	]),
];

export const description = updateDisplayOptions({ show: { operation: ['record'] } }, properties);

interface Settings {
	/** The breaker of each item of the first input (one for all unless per item, version 1.1). */
	names: BreakerNames;
	outputField: string;
	correlationField: string;
	letThrough: boolean;
	outcomeFrom: 'inputs' | 'field';
	outcomeField: string;
	failedWhen: 'present' | 'false';
	/** The Check Stamp option is an expression, so it is evaluated per item. */
	stampFromExpression: boolean;
	policy: breaker.BreakerPolicy;
	/** Which failures count (version 1.1; version 1 counts them all). */
	counting: FailureCounting;
}

/** An item on its way through Record, with what the breaker needs to know of it. */
interface CallItem {
	/** The breaker this call is recorded on. */
	name: string;
	input: number;
	index: number;
	source: INodeExecutionData;
	call: breaker.BreakerCall;
	/** What the rules made of a failure (version 1.1), null for a success and in version 1. */
	verdict: breaker.FailureVerdict | null;
}

type Routes = OperationContext<OutputName<'record'>>;

export async function execute(op: Routes): Promise<void> {
	const { context } = op;
	const settings = readSettings(context, op.items.length);
	// Outcome from inputs: the vendor node's success output on input 0, its error output on input 1.
	const inputs =
		settings.outcomeFrom === 'inputs' ? [op.items, context.getInputData(1)] : [op.items];
	if (inputs.every((items) => items.length === 0)) return;
	const namespace = breakerNamespace(context);
	// Items that cannot be recorded leave before the store is asked (or as errors).
	const calls = callItems(op, inputs, settings);
	try {
		const store = await op.store();
		if (calls.length > 0) await record(op, store, namespace, settings, calls);
	} catch (error) {
		if (!settings.letThrough || !(error instanceof stores.StoreError))
			throw storeFailure(context, error);
		letThrough(op, settings, calls, error.message);
	}
}

function readSettings(context: IExecuteFunctions, count: number): Settings {
	const names = breakerNames(context, count);
	const outcomeFrom =
		context.getNodeParameter('outcomeFrom', 0, 'inputs') === 'field' ? 'field' : 'inputs';
	const outcomeField =
		outcomeFrom === 'field'
			? String(context.getNodeParameter('outcomeField', 0, 'error')).trim()
			: '';
	if (outcomeFrom === 'field' && outcomeField === '') {
		throw configError(
			context,
			'Outcome Field',
			'is empty',
			'Name the field that tells whether the call failed, e.g. "error", or take the outcome from two inputs.',
		);
	}
	return {
		names,
		outputField: outputField(context),
		correlationField: fieldNameOption(
			context,
			'options.correlationField',
			'Correlation ID Field',
			'correlationId',
		),
		letThrough: letsItemsThrough(context),
		outcomeFrom,
		outcomeField,
		failedWhen:
			outcomeFrom === 'field' && context.getNodeParameter('failedWhen', 0, 'present') === 'false'
				? 'false'
				: 'present',
		stampFromExpression: isExpression(context, 'options.checkStamp'),
		policy: readPolicy(context),
		counting: readFailureCounting(context, outcomeFrom),
	};
}

/** The calls to record, with their outcome and stamp; items that have no outcome leave as errors. */
function callItems(op: Routes, inputs: INodeExecutionData[][], settings: Settings): CallItem[] {
	const { context } = op;
	const calls: CallItem[] = [];
	const stampProblems: string[] = [];
	// The breakers of the batch: a per-item name and the stamps of the Failure input together stay under the cap.
	const breakers = new Set(settings.names.distinct);
	inputs.forEach((items, input) => {
		items.forEach((source, index) => {
			const outcome =
				settings.outcomeFrom === 'inputs'
					? input === 0
						? 'success'
						: 'failure'
					: outcomeOf(source.json, settings);
			const unusable = (error: NodeOperationError) =>
				failItem(
					context,
					op.outputs.buckets,
					source,
					index,
					error,
					op.outputs.index('Failure'),
					input,
				);
			if (outcome === null) {
				unusable(
					itemError(
						context,
						index,
						`Item ${index} has no true or false in outcome field "${settings.outcomeField}"`,
						'With Failed When set to Field Is False, every item needs true or false in the Outcome Field. Fix the data upstream, or choose Field Has a Value.',
					),
				);
				return;
			}
			const judged =
				outcome === 'failure'
					? judgeFailureItem(context, settings.counting, source.json, index, errorSource(settings))
					: null;
			if (judged instanceof NodeOperationError) {
				unusable(judged);
				return;
			}
			const verdict = judged;
			// Per item, the Failure input's breaker is the one its Check stamp names: n8n
			// evaluates expressions on the first input only.
			const name =
				input === 0 || !settings.names.perItem
					? settings.names.of(index)
					: stampedName(source.json[settings.outputField]);
			if (name !== null && !breakers.has(name)) {
				checkBreakerCount(context, breakers.size + 1, index, name);
				breakers.add(name);
			}
			if (name === null) {
				unusable(
					itemError(
						context,
						index,
						`Item ${index} of the Failure input carries no Check stamp, so its breaker is unknown`,
						"With a Breaker Name per item, Record takes a failed call's breaker from the Check stamp the item keeps. Keep Check before the vendor node, with the same Output Field.",
					),
				);
				return;
			}
			const stampSource =
				input === 0 && settings.stampFromExpression
					? stampFromExpression(context, index, stampProblems)
					: source.json[settings.outputField];
			calls.push({
				name,
				input,
				index,
				source,
				call: {
					outcome,
					stamp: readStamp(stampSource, name),
					correlationId:
						correlation.readCorrelationId(source.json, settings.correlationField) ?? null,
					counted: verdict?.counted ?? true,
				},
				verdict,
			});
		});
	});
	if (stampProblems.length > 0) {
		op.hints.push(
			hint(
				`Circuit breaker "${settings.names.distinct.join('", "')}": Check Stamp could not be read for ${stampProblems.length} item(s), so their latency is unknown: ${stampProblems[0]}`,
				'warning',
			),
		);
	}
	return calls;
}

/**
 * The Check Stamp expression for one item. One that fails (a vendor node that lost the
 * item pairing, say) leaves that call unstamped rather than the whole batch unrecorded.
 */
function stampFromExpression(
	context: IExecuteFunctions,
	index: number,
	problems: string[],
): unknown {
	try {
		return context.getNodeParameter('options.checkStamp', index, null);
	} catch (error) {
		problems.push(error instanceof Error ? error.message : String(error));
		return null;
	}
}

/** Where a failure's error is: n8n's error field, the Outcome Field, or the item itself (Field Is False). */
function errorSource(settings: Settings): ErrorSource {
	if (settings.outcomeFrom === 'inputs') return { field: 'error' };
	return settings.failedWhen === 'present' ? { field: settings.outcomeField } : 'item';
}

function outcomeOf(item: IDataObject, settings: Settings): 'success' | 'failure' | null {
	const value = paths.getPath(item, settings.outcomeField);
	if (settings.failedWhen === 'present') {
		return value === undefined || value === null || value === '' || value === false
			? 'success'
			: 'failure';
	}
	if (typeof value !== 'boolean') return null;
	return value ? 'success' : 'failure';
}

/** The breaker a Check stamp names, or null when it names none that could be one. */
function stampedName(value: unknown): string | null {
	if (!json.isPlainObject(value) || typeof value.name !== 'string') return null;
	return breaker.breakerNameProblem(value.name) === null ? value.name : null;
}

/** A Check stamp for this breaker, or null: a stamp of another breaker says nothing about this one. */
function readStamp(value: unknown, name: string): breaker.BreakerStamp | null {
	if (!json.isPlainObject(value) || value.name !== name || value.route !== 'proceed') return null;
	const checkedAt = typeof value.checkedAt === 'string' ? Date.parse(value.checkedAt) : Number.NaN;
	if (!Number.isFinite(checkedAt) || typeof value.generation !== 'number') return null;
	return { generation: value.generation, probe: value.probe === true, checkedAt };
}

async function record(
	op: Routes,
	store: stores.Store,
	namespace: string,
	settings: Settings,
	calls: CallItem[],
): Promise<void> {
	// Each breaker records its own calls, all in one store round trip.
	const byName = new Map<string, CallItem[]>();
	for (const item of calls) {
		const group = byName.get(item.name);
		if (group === undefined) byName.set(item.name, [item]);
		else group.push(item);
	}
	const { outcomes } = await updateBreakers(
		store,
		namespace,
		[...byName.keys()],
		(name, current, now) => {
			const recorded = breaker.decideRecords(
				current,
				byName.get(name)!.map((item) => item.call),
				settings.policy,
				now,
			);
			return { outcome: recorded, write: recorded.state };
		},
	);
	const position = new Map<CallItem, number>();
	for (const group of byName.values()) group.forEach((item, index) => position.set(item, index));
	const stateChanges = new Map(
		[...outcomes].map(([name, decision]) => [name, describeChange(decision.change)]),
	);
	for (const item of calls) {
		const decision = outcomes.get(item.name)!;
		const recorded = decision.calls[position.get(item)!];
		route(op, item, settings, {
			name: item.name,
			outcome: item.call.outcome,
			latencyMs: recorded.latencyMs,
			slow: recorded.slow,
			counted: recorded.role,
			...failureDetails(item),
			state: decision.state.status,
			generation: decision.state.generation,
			stateChange: stateChanges.get(item.name),
		});
	}
	for (const [name, decision] of outcomes) {
		if (decision.change !== null) op.hints.push(changeHint(name, decision.change, decision.state));
		if (decision.policyChanged) {
			op.hints.push(
				hint(
					`Circuit breaker "${name}": this node changed the breaker's policy. Give every Record node of a breaker the same settings, or they take turns overriding each other.`,
				),
			);
		}
	}
	const unstamped = calls.filter(
		(item) => item.call.outcome === 'success' && item.call.stamp === null,
	).length;
	if (unstamped > 0) {
		op.hints.push(
			hint(
				`Circuit breaker "${[...byName.keys()].join('", "')}": ${unstamped} successful call(s) carried no Check stamp, so their latency is unknown. A vendor node replaces the item: set Options → Check Stamp to refer back to the Check node, e.g. {{ $('Check').item.json.${settings.outputField} }}.`,
			),
		);
	}
}

/** The store failed and the user chose to let items through: they pass on unrecorded. */
function letThrough(op: Routes, settings: Settings, calls: CallItem[], storeError: string): void {
	for (const item of calls) {
		route(op, item, settings, {
			name: item.name,
			state: 'unknown',
			storeError,
			outcome: item.call.outcome,
			counted: 'notRecorded',
			...failureDetails(item),
		});
	}
	for (const name of new Set(calls.map((item) => item.name)))
		op.hints.push(letThroughHint(name, storeError));
}

/** Version 1.1 says on a failure what the rules made of it. */
function failureDetails(item: CallItem): IDataObject {
	return item.verdict === null ? {} : { failure: verdictJson(item.verdict) };
}

/** A call's item on Success or Failure by its outcome; items of the Failure input pair with that input. */
function route(op: Routes, item: CallItem, settings: Settings, details: IDataObject): void {
	op.outputs.push(
		item.call.outcome === 'success' ? 'Success' : 'Failure',
		pairedItem(
			item.source,
			item.index,
			{ ...item.source.json, [settings.outputField]: details },
			item.input,
		),
	);
}
