import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	NodeExecutionHint,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type {
	BreakerAction,
	BreakerCall,
	BreakerChange,
	BreakerPolicy,
	BreakerStamp,
	BreakerState,
	BreakerStats,
	BreakerStatus,
	RecordedCall,
	Store,
} from '../shared';
import {
	asBreakerRegistry,
	asBreakerState,
	BREAKER_REGISTRY_KEY,
	breakerKey,
	breakerNameProblem,
	breakerStats,
	breakerStateTtlMs,
	decideChecks,
	decideRecords,
	decideSetState,
	failItem,
	getPath,
	isBreakerPolicyError,
	isPlainObject,
	itemError,
	pairedItem,
	parseFieldList,
	readCorrelationId,
	registerBreaker,
	resolveBreakerPolicy,
	resolveScope,
	storeFailure,
	StoreError,
	storeForNode,
	updateRecords,
} from '../shared';
import { CIRCUIT_BREAKER_STORES } from './description';

type Operation = 'check' | 'record' | 'stats' | 'setState';

const OUTPUT_COUNT: Record<Operation, number> = { check: 2, record: 2, stats: 1, setState: 1 };
const PROCEED = 0;
const OPEN = 1;
const SUCCESS = 0;
const FAILURE = 1;
const SECOND = 1000;

interface Settings {
	operation: Operation;
	breakerName: string;
	outputField: string;
	correlationField: string;
	letThroughOnStoreError: boolean;
	outcomeFrom: 'inputs' | 'field';
	outcomeField: string;
	failedWhen: 'present' | 'false';
	/** Record: the Check Stamp option is set, so it is evaluated per item. */
	stampFromExpression: boolean;
	policy: BreakerPolicy;
	breakerNames: string[];
	action: BreakerAction;
}

/** An item on its way through Record, with what the breaker needs to know of it. */
interface CallItem {
	input: number;
	index: number;
	source: INodeExecutionData;
	call: BreakerCall;
}

export async function executeCircuitBreaker(
	context: IExecuteFunctions,
): Promise<INodeExecutionData[][]> {
	const settings = readSettings(context);
	const inputs = readInputs(context, settings);
	const outputs: INodeExecutionData[][] = Array.from(
		{ length: OUTPUT_COUNT[settings.operation] },
		() => [],
	);
	if (inputs.every((items) => items.length === 0)) return outputs;
	const hints: NodeExecutionHint[] = [];
	const namespace = resolveScope(context, 'breaker');
	// Items that cannot be recorded leave before the store is asked (or as errors).
	const calls =
		settings.operation === 'record' ? callItems(context, inputs, settings, outputs, hints) : [];

	try {
		const store = await storeForNode(context, [...CIRCUIT_BREAKER_STORES]);
		switch (settings.operation) {
			case 'check':
				await check(store, namespace, settings, inputs[0], outputs, hints);
				break;
			case 'record':
				if (calls.length > 0) await record(store, namespace, settings, calls, outputs, hints);
				break;
			case 'stats':
				await stats(store, namespace, settings, inputs[0], outputs, hints);
				break;
			case 'setState':
				await setState(store, namespace, settings, inputs[0], outputs, hints);
				break;
		}
	} catch (error) {
		const letThrough =
			settings.letThroughOnStoreError &&
			(settings.operation === 'check' || settings.operation === 'record');
		if (!letThrough || !(error instanceof StoreError)) throw storeFailure(context, error);
		letItemsThrough(settings, inputs[0], calls, outputs, hints, error);
	}
	if (hints.length > 0) context.addExecutionHints(...hints);
	return outputs;
}

/* --------------------------------------------------------------- Settings */

function readSettings(context: IExecuteFunctions): Settings {
	const operation = context.getNodeParameter('operation', 0) as Operation;
	const option = <Value>(name: string, fallback: Value) =>
		context.getNodeParameter(`options.${name}`, 0, fallback) as Value;
	const breakerName =
		operation === 'stats' ? '' : String(context.getNodeParameter('breakerName', 0, '')).trim();
	const problem = operation === 'stats' ? null : breakerNameProblem(breakerName);
	if (problem !== null) {
		throw new NodeOperationError(context.getNode(), `Breaker Name ${problem}`, {
			description:
				'Name the hop this breaker guards, e.g. "salesforce", the same on its Check and Record nodes.',
		});
	}
	const outcomeFrom =
		operation === 'record' && context.getNodeParameter('outcomeFrom', 0, 'inputs') === 'field'
			? 'field'
			: 'inputs';
	const outcomeField =
		outcomeFrom === 'field'
			? String(context.getNodeParameter('outcomeField', 0, 'error')).trim()
			: '';
	if (outcomeFrom === 'field' && outcomeField === '') {
		throw new NodeOperationError(context.getNode(), 'Outcome Field is empty', {
			description:
				'Name the field that tells whether the call failed, e.g. "error", or take the outcome from two inputs.',
		});
	}
	const rawStamp =
		operation === 'record'
			? context.getNodeParameter('options.checkStamp', 0, '', { rawExpressions: true })
			: '';
	return {
		operation,
		breakerName,
		outputField: String(option('outputField', 'circuitBreaker')).trim() || 'circuitBreaker',
		correlationField: String(option('correlationField', 'correlationId')).trim() || 'correlationId',
		letThroughOnStoreError:
			operation !== 'stats' &&
			operation !== 'setState' &&
			option<string>('onStoreError', 'fail') === 'letThrough',
		outcomeFrom,
		outcomeField,
		failedWhen:
			outcomeFrom === 'field' && context.getNodeParameter('failedWhen', 0, 'present') === 'false'
				? 'false'
				: 'present',
		stampFromExpression: typeof rawStamp === 'string' && rawStamp.trim() !== '',
		policy: operation === 'record' ? readPolicy(context, option) : resolveBreakerPolicy(),
		breakerNames:
			operation === 'stats'
				? parseFieldList(String(context.getNodeParameter('breakerNames', 0, '')))
				: [],
		action:
			operation === 'setState'
				? (context.getNodeParameter('newState', 0, 'reset') as BreakerAction)
				: 'reset',
	};
}

/** Labels of the policy parameters, and the factor from their unit to the policy's. */
const POLICY_PARAMETERS: Array<{
	option: keyof BreakerPolicy;
	parameter: string;
	label: string;
	scale: number;
	inOptions: boolean;
}> = [
	{
		option: 'failureRatePercent',
		parameter: 'failureRatePercent',
		label: 'Failure Rate Threshold (%)',
		scale: 1,
		inOptions: false,
	},
	{
		option: 'minimumCalls',
		parameter: 'minimumCalls',
		label: 'Minimum Calls',
		scale: 1,
		inOptions: false,
	},
	{
		option: 'windowMs',
		parameter: 'windowSeconds',
		label: 'Window (Seconds)',
		scale: SECOND,
		inOptions: false,
	},
	{
		option: 'openMs',
		parameter: 'openSeconds',
		label: 'Open Duration (Seconds)',
		scale: SECOND,
		inOptions: false,
	},
	{
		option: 'halfOpenProbes',
		parameter: 'halfOpenProbes',
		label: 'Half-Open Probes',
		scale: 1,
		inOptions: true,
	},
	{
		option: 'probeTimeoutMs',
		parameter: 'probeTimeoutSeconds',
		label: 'Probe Timeout (Seconds)',
		scale: SECOND,
		inOptions: true,
	},
	{
		option: 'slowCallMs',
		parameter: 'slowCallSeconds',
		label: 'Slow Call Threshold (Seconds)',
		scale: SECOND,
		inOptions: true,
	},
	{
		option: 'slowCallRatePercent',
		parameter: 'slowCallRatePercent',
		label: 'Slow Call Rate Threshold (%)',
		scale: 1,
		inOptions: true,
	},
];

/** The Record node's policy; a value out of range fails the node, naming the parameter. */
function readPolicy(
	context: IExecuteFunctions,
	option: <Value>(name: string, fallback: Value) => Value,
): BreakerPolicy {
	const overrides: Partial<BreakerPolicy> = {};
	for (const { option: key, parameter, scale, inOptions } of POLICY_PARAMETERS) {
		// null as the fallback: an option the user did not add keeps the policy default.
		const value = inOptions
			? option<unknown>(parameter, null)
			: context.getNodeParameter(parameter, 0, null);
		if (value !== null && value !== '')
			overrides[key] = typeof value === 'number' ? value * scale : Number.NaN;
	}
	try {
		return resolveBreakerPolicy(overrides);
	} catch (error) {
		if (!isBreakerPolicyError(error))
			throw new NodeOperationError(context.getNode(), error as Error);
		const entry = POLICY_PARAMETERS.find((candidate) => candidate.option === error.option);
		const label = entry?.label ?? error.option;
		const shown =
			typeof error.value === 'number' && entry ? error.value / entry.scale : error.value;
		throw new NodeOperationError(context.getNode(), `${label} is out of range: ${String(shown)}`, {
			description: `The breaker policy needs ${error.option} to be ${error.expected}.`,
		});
	}
}

function readInputs(context: IExecuteFunctions, settings: Settings): INodeExecutionData[][] {
	if (settings.operation === 'record' && settings.outcomeFrom === 'inputs') {
		return [context.getInputData(0), context.getInputData(1)];
	}
	return [context.getInputData(0)];
}

/* ------------------------------------------------------------------ Store */

/**
 * One optimistic update of a breaker, with its name added to the scope's registry in
 * the same round trip (written only the first time), so Stats can find it.
 */
async function updateBreaker<Outcome>(
	store: Store,
	namespace: string,
	name: string,
	decide: (
		current: BreakerState | undefined,
		now: number,
	) => { outcome: Outcome; write: BreakerState | null },
): Promise<{ outcome: Outcome; now: number }> {
	const results = await updateRecords<{ outcome: Outcome; now: number } | null>(
		store,
		namespace,
		[breakerKey(name), BREAKER_REGISTRY_KEY],
		(current, now, position) => {
			if (position === 1) {
				const registry = registerBreaker(asBreakerRegistry(current?.value), name);
				return {
					outcome: null,
					write: registry === null ? undefined : { value: registry, ttlMs: null },
				};
			}
			const decision = decide(asBreakerState(current?.value), now);
			const write =
				decision.write === null
					? undefined
					: { value: decision.write, ttlMs: breakerStateTtlMs(decision.write) };
			return { outcome: { outcome: decision.outcome, now }, write };
		},
	);
	return results[0]!;
}

/* ------------------------------------------------------------------ Check */

async function check(
	store: Store,
	namespace: string,
	settings: Settings,
	items: INodeExecutionData[],
	outputs: INodeExecutionData[][],
	hints: NodeExecutionHint[],
): Promise<void> {
	const { outcome: decision, now } = await updateBreaker(
		store,
		namespace,
		settings.breakerName,
		(current, time) => {
			const checked = decideChecks(current, items.length, time);
			return { outcome: checked, write: checked.write ? checked.state : null };
		},
	);
	const { state } = decision;
	const stateChange = describeChange(decision.change);
	items.forEach((source, index) => {
		const proceed = index < decision.admitted;
		const details: IDataObject = {
			name: settings.breakerName,
			route: proceed ? 'proceed' : 'open',
			state: state.status,
			probe: proceed && decision.probe,
			generation: state.generation,
			checkedAt: iso(now),
			openUntil: iso(state.openUntil),
			stateChange,
		};
		outputs[proceed ? PROCEED : OPEN].push(
			pairedItem(source, index, { ...source.json, [settings.outputField]: details }),
		);
	});
	if (decision.change !== null)
		hints.push(changeHint(settings.breakerName, decision.change, state));
	const refused = items.length - decision.admitted;
	if (refused > 0) hints.push(openHint(settings.breakerName, state, refused, decision.probe));
}

/* ----------------------------------------------------------------- Record */

/** The calls to record, with their outcome and stamp; items that have no outcome leave as errors. */
function callItems(
	context: IExecuteFunctions,
	inputs: INodeExecutionData[][],
	settings: Settings,
	outputs: INodeExecutionData[][],
	hints: NodeExecutionHint[],
): CallItem[] {
	const calls: CallItem[] = [];
	const stampProblems: string[] = [];
	inputs.forEach((items, input) => {
		items.forEach((source, index) => {
			const outcome =
				settings.outcomeFrom === 'inputs'
					? input === 0
						? 'success'
						: 'failure'
					: outcomeOf(source.json, settings);
			if (outcome === null) {
				failItem(
					context,
					outputs,
					source,
					index,
					itemError(
						context,
						index,
						`Item ${index} has no true or false in outcome field "${settings.outcomeField}"`,
						'With Failed When set to Field Is False, every item needs true or false in the Outcome Field. Fix the data upstream, or choose Field Has a Value.',
					),
					FAILURE,
				);
				return;
			}
			const stampSource =
				input === 0 && settings.stampFromExpression
					? stampFromExpression(context, index, stampProblems)
					: source.json[settings.outputField];
			calls.push({
				input,
				index,
				source,
				call: {
					outcome,
					stamp: readStamp(stampSource, settings.breakerName),
					correlationId: readCorrelationId(source.json, settings.correlationField) ?? null,
				},
			});
		});
	});
	if (stampProblems.length > 0) {
		hints.push({
			message: `Circuit breaker "${settings.breakerName}": Check Stamp could not be read for ${stampProblems.length} item(s), so their latency is unknown: ${stampProblems[0]}`,
			type: 'warning',
			location: 'outputPane',
		});
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

function outcomeOf(json: IDataObject, settings: Settings): 'success' | 'failure' | null {
	const value = getPath(json, settings.outcomeField);
	if (settings.failedWhen === 'present') {
		return value === undefined || value === null || value === '' || value === false
			? 'success'
			: 'failure';
	}
	if (typeof value !== 'boolean') return null;
	return value ? 'success' : 'failure';
}

/** A Check stamp for this breaker, or null: a stamp of another breaker says nothing about this one. */
function readStamp(value: unknown, name: string): BreakerStamp | null {
	if (!isPlainObject(value) || value.name !== name || value.route !== 'proceed') return null;
	const checkedAt = typeof value.checkedAt === 'string' ? Date.parse(value.checkedAt) : Number.NaN;
	if (!Number.isFinite(checkedAt) || typeof value.generation !== 'number') return null;
	return { generation: value.generation, probe: value.probe === true, checkedAt };
}

async function record(
	store: Store,
	namespace: string,
	settings: Settings,
	calls: CallItem[],
	outputs: INodeExecutionData[][],
	hints: NodeExecutionHint[],
): Promise<void> {
	const { outcome: decision } = await updateBreaker(
		store,
		namespace,
		settings.breakerName,
		(current, now) => {
			const recorded = decideRecords(
				current,
				calls.map((item) => item.call),
				settings.policy,
				now,
			);
			return { outcome: recorded, write: recorded.state };
		},
	);
	const { state } = decision;
	const stateChange = describeChange(decision.change);
	calls.forEach((item, position) => {
		const recorded: RecordedCall = decision.calls[position];
		const details: IDataObject = {
			name: settings.breakerName,
			outcome: item.call.outcome,
			latencyMs: recorded.latencyMs,
			slow: recorded.slow,
			counted: recorded.role,
			state: state.status,
			generation: state.generation,
			stateChange,
		};
		const output = item.call.outcome === 'success' ? SUCCESS : FAILURE;
		outputs[output].push(recordedItem(item, settings, details));
	});
	if (decision.change !== null)
		hints.push(changeHint(settings.breakerName, decision.change, state));
	if (decision.policyChanged) {
		hints.push({
			message: `Circuit breaker "${settings.breakerName}": this node changed the breaker's policy. Give every Record node of a breaker the same settings, or they take turns overriding each other.`,
			type: 'info',
			location: 'outputPane',
		});
	}
	const unstamped = calls.filter(
		(item) => item.call.outcome === 'success' && item.call.stamp === null,
	).length;
	if (unstamped > 0) {
		hints.push({
			message: `Circuit breaker "${settings.breakerName}": ${unstamped} successful call(s) carried no Check stamp, so their latency is unknown. A vendor node replaces the item: set Options → Check Stamp to refer back to the Check node, e.g. {{ $('Check').item.json.${settings.outputField} }}.`,
			type: 'info',
			location: 'outputPane',
		});
	}
}

/** Record's output item; items of the Failure input pair with that input. */
function recordedItem(
	item: CallItem,
	settings: Settings,
	details: IDataObject,
): INodeExecutionData {
	const output = pairedItem(
		item.source,
		item.index,
		{ ...item.source.json, [settings.outputField]: details },
		item.input,
	);
	return output;
}

/* ------------------------------------------------------------------ Stats */

async function stats(
	store: Store,
	namespace: string,
	settings: Settings,
	items: INodeExecutionData[],
	outputs: INodeExecutionData[][],
	hints: NodeExecutionHint[],
): Promise<void> {
	let names = settings.breakerNames;
	if (names.length === 0) {
		const { records } = await store.read(namespace, [BREAKER_REGISTRY_KEY]);
		names = asBreakerRegistry(records.get(BREAKER_REGISTRY_KEY)?.value).names;
	}
	if (names.length === 0) {
		hints.push({
			message: 'No circuit breaker has been used in this scope yet.',
			type: 'info',
			location: 'outputPane',
		});
		return;
	}
	const { now, records } = await store.read(namespace, names.map(breakerKey));
	// A report on the whole input: each item pairs with every input item.
	const paired = items.map((_, index) => ({ item: index }));
	for (const name of names) {
		const figures = breakerStats(asBreakerState(records.get(breakerKey(name))?.value), now);
		outputs[0].push({ json: statsJson(name, figures, now), pairedItem: paired });
	}
}

function statsJson(name: string, figures: BreakerStats, now: number): IDataObject {
	return {
		breaker: name,
		state: figures.status,
		known: figures.known,
		since: iso(figures.since),
		openUntil: iso(figures.openUntil),
		windowSeconds: figures.windowMs / SECOND,
		calls: figures.calls,
		failures: figures.failures,
		errorRatePercent: figures.failureRatePercent,
		slowCalls: figures.slowCalls,
		slowCallRatePercent: figures.slowCallRatePercent,
		latencyMs: {
			measured: figures.latency.measured,
			mean: figures.latency.meanMs,
			min: figures.latency.minMs,
			max: figures.latency.maxMs,
			p50: figures.latency.p50Ms,
			p95: figures.latency.p95Ms,
			p99: figures.latency.p99Ms,
		},
		probes: figures.probes,
		opens: figures.opens,
		lastChange: describeChange(figures.lastChange),
		policy: {
			failureRatePercent: figures.policy.failureRatePercent,
			minimumCalls: figures.policy.minimumCalls,
			windowSeconds: figures.policy.windowMs / SECOND,
			openSeconds: figures.policy.openMs / SECOND,
			halfOpenProbes: figures.policy.halfOpenProbes,
			probeTimeoutSeconds: figures.policy.probeTimeoutMs / SECOND,
			slowCallSeconds: figures.policy.slowCallMs / SECOND,
			slowCallRatePercent: figures.policy.slowCallRatePercent,
		},
		reportedAt: iso(now),
	};
}

/* -------------------------------------------------------------- Set State */

async function setState(
	store: Store,
	namespace: string,
	settings: Settings,
	items: INodeExecutionData[],
	outputs: INodeExecutionData[][],
	hints: NodeExecutionHint[],
): Promise<void> {
	const { outcome: decision } = await updateBreaker(
		store,
		namespace,
		settings.breakerName,
		(current, now) => {
			const decided = decideSetState(current, settings.action, now);
			return { outcome: decided, write: decided.write ? decided.state : null };
		},
	);
	const details: IDataObject = {
		name: settings.breakerName,
		action: settings.action,
		state: decision.state.status,
		generation: decision.state.generation,
		stateChange: describeChange(decision.change),
	};
	items.forEach((source, index) => {
		outputs[0].push(pairedItem(source, index, { ...source.json, [settings.outputField]: details }));
	});
	if (decision.change !== null)
		hints.push(changeHint(settings.breakerName, decision.change, decision.state));
}

/* ------------------------------------------------------ Store unreachable */

/**
 * The user chose to let items through when the store fails: Check proceeds (the breaker
 * protects the hop, it must not become the outage), Record passes items on unrecorded.
 */
function letItemsThrough(
	settings: Settings,
	items: INodeExecutionData[],
	calls: CallItem[],
	outputs: INodeExecutionData[][],
	hints: NodeExecutionHint[],
	error: unknown,
): void {
	const storeError = error instanceof Error ? error.message : String(error);
	const details = { name: settings.breakerName, state: 'unknown', storeError };
	if (settings.operation === 'check') {
		items.forEach((source, index) => {
			outputs[PROCEED].push(
				pairedItem(source, index, {
					...source.json,
					[settings.outputField]: { ...details, route: 'proceed' },
				}),
			);
		});
	} else {
		for (const item of calls) {
			const output = item.call.outcome === 'success' ? SUCCESS : FAILURE;
			outputs[output].push(
				recordedItem(item, settings, {
					...details,
					outcome: item.call.outcome,
					counted: 'notRecorded',
				}),
			);
		}
	}
	hints.push({
		message: `Circuit breaker "${settings.breakerName}": the store failed, so items were let through without the breaker: ${storeError}`,
		type: 'warning',
		location: 'outputPane',
	});
}

/* ------------------------------------------------------------------ Words */

const STATUS_WORDS: Record<BreakerStatus, string> = {
	closed: 'closed',
	open: 'open',
	halfOpen: 'half-open',
	forcedOpen: 'forced open',
	disabled: 'disabled',
};

function describeChange(change: BreakerChange | null): IDataObject | null {
	if (change === null) return null;
	return {
		from: change.from,
		to: change.to,
		at: iso(change.at),
		reason: change.reason,
		correlationId: change.correlationId,
	};
}

function changeHint(name: string, change: BreakerChange, state: BreakerState): NodeExecutionHint {
	const until = change.to === 'open' ? ` Checks route to Open until ${iso(state.openUntil)}.` : '';
	return {
		message: `Circuit breaker "${name}" is now ${STATUS_WORDS[change.to]} (was ${STATUS_WORDS[change.from]}): ${change.reason}.${until}`,
		type: change.to === 'open' || change.to === 'forcedOpen' ? 'warning' : 'info',
		location: 'outputPane',
	};
}

function openHint(
	name: string,
	state: BreakerState,
	refused: number,
	probing: boolean,
): NodeExecutionHint {
	const why =
		state.status === 'forcedOpen'
			? 'is forced open (Set State → Reset closes it)'
			: probing
				? 'is half-open and its probe calls are out'
				: `is open until ${iso(state.openUntil)}`;
	return {
		message: `Circuit breaker "${name}" ${why}: ${refused} item(s) sent to Open.`,
		type: 'info',
		location: 'outputPane',
	};
}

function iso(time: number | null): string | null {
	return time === null ? null : new Date(time).toISOString();
}
