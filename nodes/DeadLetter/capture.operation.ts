import type {
	IBinaryData,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type {
	AlertThresholds,
	BodyPatternSpec,
	CaptureSettings,
	FailureFacts,
	IncomingItems,
	ItemVerdict,
	JsonObject,
	NewQueueEntry,
	QueueSettlement,
	Redactor,
} from '../shared';
import {
	BodyPatternError,
	buildDeadLetter,
	compileBodyPatterns,
	correlationIdFor,
	createRedactor,
	deadLetterId,
	examineItem,
	failItem,
	isSentRecord,
	itemError,
	parseFieldList,
	readCorrelationId,
	recapturePatch,
	sentPayload,
	stableHash,
	statusAfterFailedAttempt,
	storeFailure,
} from '../shared';
import {
	alertItem,
	alertsEnabled,
	correlationOption,
	countParameter,
	fieldOption,
	optionCount,
	retentionMsOf,
	markerSecret,
	observeAlerts,
	openQueue,
	outputFieldOption,
	pickMarker,
	purgeSettledNow,
	readOptions,
	readThresholds,
	redactionOptions,
	ReplayLookup,
	retentionOption,
	SentItems,
	type FoundMarker,
	type QueueHandle,
} from './queue';
import { outputsForOperation } from './outputs';

const CAPTURED = 0;
const AUTH_FAILURE = 1;
const DEPTH_ALERT = 2;
const SUCCEEDED = 3;
const MB = 1024 * 1024;
/** Open records a queue may hold by default before Capture refuses new ones. */
export const DEFAULT_MAX_OPEN_RECORDS = 10_000;

const show = { show: { operation: ['capture'] } };

const maxOpenRecordsOption: INodeProperties = {
	displayName: 'Max Open Records',
	name: 'maxOpenRecords',
	type: 'number',
	typeOptions: { minValue: 0, numberPrecision: 0 },
	default: DEFAULT_MAX_OPEN_RECORDS,
	description:
		'Most pending and replaying records the queue holds. Past it, new failures are not stored: they leave on Not Captured (or the error output), or fail the node, with the reason. Nothing is dropped silently. 0: no limit.',
};

const payloadFromOption: INodeProperties = {
	displayName: 'Stored Payload',
	name: 'payloadFrom',
	type: 'options',
	options: [
		{
			name: 'Item Sent to the Previous Node',
			value: 'sent',
			description:
				"The item the node before Capture was given, found through n8n's item pairing, when that is the record (its answer replaced it, or n8n's error output carries it): the record as it was before it failed",
		},
		{
			name: 'This Item',
			value: 'item',
			description:
				'The item Capture receives, without its error fields: when a node of yours marks records as failed',
		},
	],
	default: 'sent',
	description:
		'What a record keeps, and a replay sends again. An item with no pairing back keeps itself.',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Incoming Items',
		name: 'incoming',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'All Responses (Find Hidden Failures)',
				value: 'responses',
				description:
					"Items from a node's regular output: those with an error or a failure in the body are captured (as the record that node was sent), the rest leave on Succeeded",
			},
			{
				name: 'Failed Items',
				value: 'failed',
				description:
					'Every item is a failure: connect a node\'s error output ("On Error: Continue (using error output)") here',
			},
		],
		default: 'failed',
		displayOptions: show,
	},
	{
		displayName: 'Failure Patterns',
		name: 'failurePatterns',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Pattern',
		default: {},
		description:
			'How to recognise a failure inside a successful response, e.g. errcode not equal to 0, or ok equal to false. Checked in order; a pattern with a class decides the class.',
		displayOptions: show,
		options: [
			{
				displayName: 'Pattern',
				name: 'rules',
				values: [
					{
						displayName: 'Field',
						name: 'field',
						type: 'string',
						default: '',
						placeholder: 'e.g. errcode',
						description:
							'Path of the field to look at. Leave empty to search the whole item as text.',
					},
					{
						displayName: 'Match',
						name: 'match',
						type: 'options',
						options: [
							{ name: 'Contains', value: 'contains' },
							{ name: 'Equals', value: 'equals' },
							{ name: 'Exists (Not Empty)', value: 'exists' },
							{ name: 'Matches Regex', value: 'regex' },
							{ name: 'Not Equal To', value: 'notEquals' },
						],
						default: 'contains',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: 'e.g. token expired',
						displayOptions: { hide: { match: ['exists'] } },
					},
					{
						displayName: 'Class',
						name: 'class',
						type: 'options',
						options: [
							{ name: 'Auth', value: 'auth' },
							{ name: 'Automatic (From the Message)', value: 'auto' },
							{ name: 'Data', value: 'data' },
							{ name: 'Rate Limit', value: 'rateLimit' },
							{ name: 'Transient', value: 'transient' },
							{ name: 'Unknown', value: 'unknown' },
						],
						default: 'auto',
					},
				],
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show,
		options: [
			{
				displayName: 'Keep Binary Content up to (MB)',
				name: 'binaryContentMaxMb',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description:
					"Binary files up to this size are stored in the record, so a replay has them after n8n pruned the execution. 0 keeps a reference only (file name, type, size and n8n's binary data ID).",
			},
			correlationOption,
			{
				displayName: 'Detect Common Failure Bodies',
				name: 'detectCommonFailures',
				type: 'boolean',
				default: true,
				description:
					'Whether to treat ok: false, success: false, status: "error", a non-empty errors list, a non-zero errcode and a SOAP fault as failures',
			},
			maxOpenRecordsOption,
			{
				displayName: 'Error Field',
				name: 'errorField',
				type: 'string',
				default: 'error',
				description:
					'Field that holds the error. n8n\'s error output uses "error"; set your own when you mark failures yourself.',
			},
			outputFieldOption,
			...redactionOptions,
			retentionOption,
			payloadFromOption,
		],
	},
];

interface Settings {
	core: CaptureSettings;
	redactor: Redactor;
	correlationField: string;
	outputField: string;
	maxAttempts: number;
	thresholds: AlertThresholds;
	binaryContentMaxBytes: number;
	payloadFrom: 'sent' | 'item';
	maxOpenRecords: number;
	retentionMs: number;
}

/** A failed item on its way into the queue. */
interface Failure {
	index: number;
	verdict: Extract<ItemVerdict, { failed: true }>;
	correlationId: string;
	/** The item the failing node was given, when found: its payload is what is stored. */
	sent: INodeExecutionData | null;
	/** Replay markers that may name this item's record, nearest first. */
	markers: unknown[];
	marker?: FoundMarker | null;
	/** Set for new records. */
	id?: string;
	entry?: NewQueueEntry;
	/** Set for replayed records that failed again. */
	settlement?: QueueSettlement;
	outcome?: 'captured' | 'alreadyCaptured' | 'returned' | 'poison' | 'notOpen' | 'queueFull';
}

export async function execute(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	const settings = readSettings(context);
	const names = outputsForOperation(
		{ operation: 'capture', incoming: settings.core.incoming },
		context.getNode().typeVersion,
	);
	const outputs: INodeExecutionData[][] = names.map(() => []);
	// Version 1 has no Not Captured output: its items leave on Auth Failure, the output that pages someone.
	const notCaptured = Math.max(
		names.findIndex((output) => output.displayName === 'Not Captured'),
		AUTH_FAILURE,
	);
	const failures: Failure[] = [];
	const now = Date.now();
	const lookup = new ReplayLookup(context, settings.outputField);
	const sentItems = settings.payloadFrom === 'sent' ? new SentItems(context) : null;
	const fields = { error: settings.core.errorField, output: settings.outputField };
	items.forEach((item, index) => {
		const verdict = examineItem(item.json, item.error, settings.core, now);
		if (!verdict.failed) {
			outputs[SUCCEEDED].push({ ...item, pairedItem: { item: index } });
			return;
		}
		const paired = sentItems?.item(index) ?? null;
		const sent =
			paired !== null &&
			isSentRecord(settings.core.incoming, item.json, item.error, paired.json, fields)
				? paired
				: null;
		const markers: unknown[] = [
			item.json[settings.outputField],
			paired?.json[settings.outputField],
		];
		if (sent !== null) {
			// The record as the failing node was given it, not its answer or error item.
			verdict.payload = sentPayload(sent.json, fields).payload;
		}
		// A replayed record whose marker a node on the way dropped: found through the pairing.
		markers.push(lookup.fromReplay(index));
		const correlation =
			readCorrelationId(item.json, settings.correlationField) ??
			correlationIdFor(verdict.payload as IDataObject, settings.correlationField).id;
		failures.push({ index, verdict, correlationId: correlation, sent, markers });
	});
	if (failures.length === 0) return outputs;

	let handle: QueueHandle;
	try {
		handle = await openQueue(context);
		await prepareRecords(context, handle, items, failures, settings);
		await storeRecords(handle, failures, settings.maxOpenRecords);
	} catch (error) {
		// Not captured: each item fails on Not Captured (the error output when the node continues), never Captured.
		const failure = storeFailure(context, error);
		for (const { index } of failures)
			failItem(context, outputs, items[index], index, failure, notCaptured);
		return outputs;
	}

	for (const failure of failures) {
		if (failure.outcome === 'queueFull') {
			failItem(
				context,
				outputs,
				items[failure.index],
				failure.index,
				queueFullError(context, failure.index, handle, settings.maxOpenRecords),
				notCaptured,
			);
			continue;
		}
		const route = failure.verdict.classification.class === 'auth' ? AUTH_FAILURE : CAPTURED;
		outputs[route].push(capturedItem(items[failure.index], failure, handle, settings));
	}
	await addDepthAlert(
		context,
		handle,
		settings.thresholds,
		failures[0].index,
		outputs[DEPTH_ALERT],
	);
	await purgeSettledNow(context, handle, settings.retentionMs);
	return outputs;
}

function queueFullError(
	context: IExecuteFunctions,
	index: number,
	handle: QueueHandle,
	maxOpenRecords: number,
) {
	return itemError(
		context,
		index,
		`Item ${index} was not captured: dead-letter queue "${handle.label}" holds ${maxOpenRecords} open records (Max Open Records)`,
		'Nothing was stored for this item. Replay or resolve the open records, or raise Max Open Records under Options.',
	);
}

function readSettings(context: IExecuteFunctions): Settings {
	const options = readOptions(context);
	const redactFields =
		typeof options.redactFields === 'string' ? parseFieldList(options.redactFields) : undefined;
	const binaryMb = Number(options.binaryContentMaxMb ?? 0);
	return {
		core: {
			incoming: context.getNodeParameter('incoming', 0, 'failed') as IncomingItems,
			errorField: fieldOption(options, 'errorField', 'error'),
			outputField: fieldOption(options, 'outputField', 'deadLetter'),
			patterns: readPatterns(context),
			detectCommonFailures: options.detectCommonFailures !== false,
		},
		redactor: createRedactor(redactFields, options.redactSecrets !== false),
		correlationField: fieldOption(options, 'correlationField', 'correlationId'),
		outputField: fieldOption(options, 'outputField', 'deadLetter'),
		maxAttempts: countParameter(context, 'maxAttempts', 'Max Attempts', 5, 1),
		thresholds: readThresholds(context),
		binaryContentMaxBytes:
			Number.isFinite(binaryMb) && binaryMb > 0 ? Math.floor(binaryMb * MB) : 0,
		payloadFrom: options.payloadFrom === 'item' ? 'item' : 'sent',
		maxOpenRecords: optionCount(
			context,
			options,
			'maxOpenRecords',
			'Max Open Records',
			DEFAULT_MAX_OPEN_RECORDS,
		),
		retentionMs: retentionMsOf(context, options),
	};
}

function readPatterns(context: IExecuteFunctions) {
	const rules = context.getNodeParameter('failurePatterns.rules', 0, []) as IDataObject[];
	const specs: BodyPatternSpec[] = rules.map((rule) => ({
		field: String(rule.field ?? ''),
		match: String(rule.match ?? 'contains') as BodyPatternSpec['match'],
		value: String(rule.value ?? ''),
		class: String(rule.class ?? 'auto') as BodyPatternSpec['class'],
	}));
	try {
		return compileBodyPatterns(specs);
	} catch (error) {
		const message =
			error instanceof BodyPatternError
				? error.message
				: `Failure Patterns: ${(error as Error).message}`;
		throw new NodeOperationError(context.getNode(), message, {
			description:
				'Fix the pattern under Failure Patterns: a field path, a match, and a value (a valid regular expression for Matches Regex).',
		});
	}
}

/**
 * New failures become queue entries; replayed ones that failed again become
 * settlements of their record (back to pending, or parked as poison at the maximum).
 */
async function prepareRecords(
	context: IExecuteFunctions,
	handle: QueueHandle,
	items: INodeExecutionData[],
	failures: Failure[],
	settings: Settings,
): Promise<void> {
	const seed = batchSeed(context);
	const workflow = context.getWorkflow();
	const executionId = context.getExecutionId() || null;
	const fallbackNode = sourceNode(context);
	const secret = failures.some((failure) =>
		failure.markers.some((marker) => marker !== undefined && marker !== null),
	)
		? await markerSecret(handle.store)
		: null;
	for (const failure of failures) {
		const { verdict } = failure;
		const failedNode = verdict.facts.node ?? fallbackNode;
		failure.marker = secret === null ? null : pickMarker(secret, handle.label, failure.markers);
		verdict.replay = failure.marker?.marker ?? null;
		if (failure.marker?.trust.trusted) {
			// A record this queue's Replay leased: settled only while that lease is held.
			const replay = failure.marker.marker;
			failure.id = replay.id;
			failure.settlement = {
				id: replay.id,
				owner: failure.marker.trust.owner,
				status: statusAfterFailedAttempt(replay.attempt, settings.maxAttempts),
				dataPatch: recapturePatch(
					{ ...verdict, failedNode, executionId, edited: replay.edited },
					settings.redactor,
				),
			};
			continue;
		}
		const id = deadLetterId(seed, failure.index);
		const data = buildDeadLetter(
			{
				id,
				payload: verdict.payload,
				binary: await binaryFor(
					context,
					failure.sent?.binary ? failure.sent : items[failure.index],
					settings.binaryContentMaxBytes,
				),
				facts: verdict.facts,
				classification: verdict.classification,
				failedNode,
				workflow: { id: workflow.id ?? null, name: workflow.name ?? null },
				executionId,
				correlationId: failure.correlationId,
			},
			settings.redactor,
		);
		failure.id = id;
		failure.entry = { id, category: verdict.classification.class, data };
	}
}

/**
 * Settlements first, then the new entries: if the enqueue fails after the settle
 * succeeded, the items fail and a retry settles the same records the same way.
 */
async function storeRecords(
	handle: QueueHandle,
	failures: Failure[],
	maxOpenRecords: number,
): Promise<void> {
	const settling = failures.filter((failure) => failure.settlement !== undefined);
	if (settling.length > 0) {
		const applied = await handle.queue.settle(
			handle.name,
			settling.map((failure) => failure.settlement!),
		);
		settling.forEach((failure, position) => {
			failure.outcome = !applied[position]
				? 'notOpen'
				: failure.settlement!.status === 'discarded'
					? 'poison'
					: 'returned';
		});
	}
	let adding = failures.filter((failure) => failure.entry !== undefined);
	if (adding.length > 0 && maxOpenRecords > 0) {
		// The cap: new records past it are refused, each item told so (never dropped silently).
		const stats = await handle.queue.stats(handle.name);
		const room = Math.max(0, maxOpenRecords - stats.pending - stats.leased);
		for (const failure of adding.slice(room)) failure.outcome = 'queueFull';
		adding = adding.slice(0, room);
	}
	if (adding.length > 0) {
		const added = new Set(
			await handle.queue.enqueue(
				handle.name,
				adding.map((failure) => failure.entry!),
			),
		);
		for (const failure of adding)
			failure.outcome = added.has(failure.id!) ? 'captured' : 'alreadyCaptured';
	}
}

function capturedItem(
	source: INodeExecutionData,
	failure: Failure,
	handle: QueueHandle,
	settings: Settings,
): INodeExecutionData {
	const { verdict } = failure;
	const attempt =
		verdict.replay !== null && failure.settlement !== undefined ? verdict.replay.attempt : 1;
	const json: IDataObject = {
		...(verdict.payload as IDataObject),
		[settings.correlationField]: failure.correlationId,
		[settings.outputField]: {
			id: failure.id ?? null,
			queue: handle.label,
			outcome: failure.outcome ?? null,
			...(failure.marker && !failure.marker.trust.trusted
				? { untrustedMarker: failure.marker.trust.reason }
				: {}),
			status:
				failure.outcome === 'poison' ? 'poison' : failure.outcome === 'notOpen' ? null : 'pending',
			class: verdict.classification.class,
			reason: verdict.classification.reason,
			attempt,
			error: errorSummary(verdict.facts, settings.redactor),
			correlationId: failure.correlationId,
			idempotencyKey: (failure.entry?.data.idempotencyKey as string | undefined) ?? null,
		},
	};
	const item: INodeExecutionData = { json, pairedItem: { item: failure.index } };
	if (source.binary) item.binary = source.binary;
	return item;
}

/** The error as downstream nodes (an alert, a Slack message) want it: short, redacted. */
function errorSummary(facts: FailureFacts, redactor: Redactor): IDataObject {
	const { value } = redactor.redact({
		message: facts.message,
		description: facts.description,
		httpCode: facts.httpCode,
		code: facts.code,
	});
	return value as IDataObject;
}

/**
 * Depth and age alerts, after the records are safely stored. A failure here must not
 * undo the capture, so it becomes a warning in the execution, not an error.
 */
async function addDepthAlert(
	context: IExecuteFunctions,
	handle: QueueHandle,
	thresholds: AlertThresholds,
	pairedIndex: number,
	output: INodeExecutionData[],
): Promise<void> {
	if (!alertsEnabled(thresholds)) return;
	try {
		const stats = await handle.queue.stats(handle.name);
		const crossings = await observeAlerts(handle, stats, thresholds);
		if (crossings.length > 0)
			output.push(alertItem(handle, stats, thresholds, crossings, pairedIndex));
	} catch (error) {
		context.addExecutionHints({
			message: `The items were captured, but the depth alert could not be checked: ${(error as Error).message}`,
			type: 'warning',
			location: 'outputPane',
		});
	}
}

/**
 * What makes this batch's record IDs: the same workflow, execution, node and run give
 * the same IDs, so a capture n8n retries stores nothing twice.
 */
function batchSeed(context: IExecuteFunctions): string | null {
	const executionId = context.getExecutionId();
	if (!executionId) return null;
	let runIndex = 0;
	try {
		runIndex = Number(context.getWorkflowDataProxy(0).$runIndex) || 0;
	} catch {
		// Without a run index (not seen in n8n 2.x) the batch is told apart by execution alone.
	}
	return stableHash({
		workflow: context.getWorkflow().id ?? null,
		executionId,
		node: context.getNode().name,
		runIndex,
	});
}

/** The node the items came from: where they failed when Capture sits on its error output. */
function sourceNode(context: IExecuteFunctions): string | null {
	try {
		return context.getExecuteData().source?.main?.[0]?.previousNode ?? null;
	} catch {
		return null;
	}
}

/**
 * Binary properties as the record keeps them: the content (base64) when it fits under
 * the configured size, otherwise a reference to n8n's binary data — valid as long as
 * n8n keeps the execution. Inline binary (n8n's memory mode) is content already.
 */
async function binaryFor(
	context: IExecuteFunctions,
	item: INodeExecutionData,
	maxBytes: number,
): Promise<JsonObject | null> {
	if (!item.binary || Object.keys(item.binary).length === 0) return null;
	const kept: JsonObject = {};
	for (const [property, binary] of Object.entries(item.binary)) {
		const meta: JsonObject = {};
		for (const key of ['fileName', 'mimeType', 'fileExtension', 'fileSize', 'fileType'] as const) {
			const value = binary[key];
			if (typeof value === 'string') meta[key] = value;
		}
		if (maxBytes > 0) {
			const buffer = await readBinary(context, binary);
			if (buffer !== null && buffer.length <= maxBytes) {
				kept[property] = {
					...meta,
					kept: 'content',
					bytes: buffer.length,
					data: buffer.toString('base64'),
				};
				continue;
			}
		}
		kept[property] = binary.id
			? { ...meta, kept: 'reference', id: binary.id, data: binary.data }
			: { ...meta, kept: 'content', data: binary.data };
	}
	return kept;
}

/** The bytes of a binary property, from n8n's binary store when it is there. */
async function readBinary(context: IExecuteFunctions, binary: IBinaryData): Promise<Buffer | null> {
	try {
		if (!binary.id) return Buffer.from(binary.data, 'base64');
		return await context.helpers.binaryToBuffer(await context.helpers.getBinaryStream(binary.id));
	} catch {
		// Gone from n8n's binary store: keep the reference, which still names the file.
		return null;
	}
}
