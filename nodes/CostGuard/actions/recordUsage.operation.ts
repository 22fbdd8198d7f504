import type { IDataObject, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import {
	correlation,
	correlationFieldProperty,
	cost,
	fieldNameOption,
	hint,
	pairedItem,
	storeFailure,
	time,
	updateDisplayOptions,
	type OperationContext,
	type stores,
} from '../../shared';
import { alertCandidates, alertClaim, alertItem, moneyWindows } from './alerts';
import type { BudgetHandle } from './budget';
import {
	counterIncrement,
	openBudget,
	option,
	readBudgetConfig,
	readBudgetName,
	zoneFor,
} from './budget';
import {
	costFieldOption,
	currencyOption,
	optionsCollection,
	priceProperties,
	timeZoneOption,
} from './common.descriptions';
import type { OutputOf } from './outputs';
import { claimCalls, priceModelRuns, sharedRecords } from './modelRuns';
import { priceItems, type Priced, type Release } from './usage';

const properties: INodeProperties[] = [
	{
		displayName: 'Usage Format',
		name: 'usageFormat',
		type: 'options',
		description:
			"Where the token counts are in the item: the vendor's response format, fields you name, or the AI model nodes of this execution",
		options: [
			{
				name: 'Amazon Bedrock Converse',
				value: 'bedrock',
				description:
					'Reads usage.inputTokens, outputTokens, cacheReadInputTokens and cacheWriteInputTokens',
			},
			{
				name: 'Anthropic Messages',
				value: 'anthropic',
				description:
					'Reads usage.input_tokens, output_tokens, cache_read_input_tokens and cache_creation_input_tokens',
			},
			{
				name: 'Detect',
				value: 'auto',
				description:
					'Recognise OpenAI, Anthropic, Gemini, Bedrock or n8n AI node usage in the response',
			},
			{ name: 'Fields', value: 'fields', description: 'Name the fields holding the token counts' },
			{
				name: 'Google Gemini',
				value: 'gemini',
				description:
					'Reads usageMetadata.promptTokenCount, candidatesTokenCount, cachedContentTokenCount and thoughtsTokenCount',
			},
			{
				// The brand is spelled n8n; the linter's title case would make it "N8n".
				// eslint-disable-next-line n8n-nodes-base/node-param-display-name-miscased
				name: 'n8n AI Model Node Calls',
				value: 'aiModelRuns',
				description:
					"Reads every call the named AI model sub-nodes (e.g. OpenAI Chat Model under an AI Agent) made in this execution, from n8n's run data, and records each once",
			},
			{
				// The brand is spelled n8n; the linter's title case would make it "N8n".
				// eslint-disable-next-line n8n-nodes-base/node-param-display-name-miscased
				name: 'n8n AI Node Token Usage',
				value: 'langchain',
				description:
					"Reads tokenUsage.promptTokens and completionTokens, as n8n's AI model nodes report them",
			},
			{
				name: 'OpenAI Chat Completions',
				value: 'openaiChat',
				description:
					'Reads usage.prompt_tokens, completion_tokens and prompt_tokens_details.cached_tokens',
			},
			{
				name: 'OpenAI Responses',
				value: 'openaiResponses',
				description:
					'Reads usage.input_tokens, output_tokens and input_tokens_details.cached_tokens',
			},
		],
		default: 'auto',
	},
	{
		displayName: 'Input Count Field',
		name: 'inputCountField',
		description: 'Field holding the number of input tokens (uncached)',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. meta.tokens.in',
		displayOptions: { show: { usageFormat: ['fields'] } },
	},
	{
		displayName: 'Output Count Field',
		name: 'outputCountField',
		description: 'Field holding the number of output tokens',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. meta.tokens.out',
		displayOptions: { show: { usageFormat: ['fields'] } },
	},
	{
		displayName: 'Model Nodes',
		name: 'modelNodes',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. OpenAI Chat Model',
		description:
			"Names of the AI model sub-nodes whose calls to record, as on the canvas (comma-separated). Put Record Usage after the AI Agent or chain they serve: every call they made in this execution that no Record Usage recorded yet is priced, and its cost shared by this node's items.",
		displayOptions: { show: { usageFormat: ['aiModelRuns'] } },
	},
	{
		displayName: 'Model',
		name: 'model',
		type: 'string',
		default: '',
		placeholder: 'e.g. gpt-4o-mini',
		description:
			'Model to price the usage at. Empty: the model named in the response (its "model" field).',
	},
	...priceProperties,
	optionsCollection([
		{
			displayName: 'Batch API',
			name: 'batch',
			type: 'boolean',
			default: false,
			description:
				"Whether the calls went through the vendor's Batch API, priced at its batch price (half the standard price at OpenAI, Anthropic, Google, Mistral, Azure and Bedrock)",
		},
		{
			displayName: 'Check Stamp',
			name: 'checkStamp',
			type: 'string',
			default: '',
			placeholder: "e.g. {{ $('Check Budget').item.json.costGuard }}",
			description:
				"The stamp Check Budget put on the item. A vendor node replaces the item: refer back to Check Budget here so the item's reserved estimate is released when its real cost is recorded.",
		},
		costFieldOption,
		correlationFieldProperty,
		currencyOption,
		timeZoneOption,
	]),
];

export const description = updateDisplayOptions(
	{ show: { operation: ['recordUsage'] } },
	properties,
);

type Op = OperationContext<OutputOf<'recordUsage'>>;

/**
 * A release claim is kept until the last window it releases in ends, plus this margin:
 * after that no copy of its stamp can release anything (its windows are gone), so one
 * record per item need not stay for a month when the budget is daily.
 */
const RELEASE_CLAIM_MARGIN_MS = time.HOUR_MS;

type Windows = Map<cost.BudgetPeriod, cost.BudgetWindow>;

/**
 * The reservations these items release. A reservation is released once: the first Record
 * Usage to claim it (its counter made 1) releases it; copies of the stamp (several items
 * from one, a retried run) do not.
 */
async function claimReleases(
	handle: BudgetHandle,
	priced: Priced[],
	windows: Windows,
	now: number,
): Promise<Release[]> {
	const stamped = [
		...new Map(
			priced
				.filter((item) => item.release !== null)
				.map((item) => [item.release!.reservation, item.release!]),
		).values(),
	];
	if (stamped.length === 0) return [];
	const claimTtl = (release: Release) => {
		const ends = release.windows
			.map((entry) => windows.get(entry.period as cost.BudgetPeriod))
			.filter(
				(window, position): window is cost.BudgetWindow =>
					window?.id === release.windows[position].window,
			)
			.map((window) => window.end);
		return Math.max(0, ...ends.map((end) => end - now)) + RELEASE_CLAIM_MARGIN_MS;
	};
	const claims = await handle.store.increment(
		handle.namespace,
		stamped.map((release) => ({
			key: cost.budgetKeys.release(handle.name, release.reservation),
			by: 1,
			ttlMs: claimTtl(release),
		})),
	);
	return stamped.filter((_, position) => claims[position] === 1);
}

/**
 * One increment batch: the spend, record count and cost histogram in every period's
 * window, less what the released reservations held there. Returns each period's spend.
 */
async function countSpend(
	handle: BudgetHandle,
	priced: Priced[],
	released: Release[],
	windows: Windows,
	now: number,
): Promise<Map<cost.BudgetPeriod, number>> {
	const total = priced.reduce((sum, item) => sum + item.nanos, 0);
	const increments: stores.CounterIncrement[] = [];
	const spentAt = new Map<cost.BudgetPeriod, number>();
	const buckets = new Map<number, number>();
	for (const item of priced) {
		const bucket = cost.costBucket(item.nanos);
		buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
	}
	for (const period of cost.BUDGET_PERIODS) {
		const window = windows.get(period)!;
		spentAt.set(period, increments.length);
		increments.push(counterIncrement(handle, 'spent', window, total, now));
		increments.push(counterIncrement(handle, 'records', window, priced.length, now));
		for (const [bucket, count] of buckets) {
			increments.push({
				key: cost.budgetKeys.bucket(handle.name, window, bucket),
				by: count,
				ttlMs: cost.windowTtlMs(window, now),
			});
		}
		// Release what Check Budget reserved for these items in this same window.
		const release = released.reduce(
			(sum, reservation) =>
				sum +
				(reservation.windows.some((entry) => entry.period === period && entry.window === window.id)
					? reservation.nanos
					: 0),
			0,
		);
		if (release > 0) increments.push(counterIncrement(handle, 'reserved', window, -release, now));
	}
	const values = await handle.store.increment(handle.namespace, increments);
	return new Map([...spentAt].map(([period, slot]) => [period, values[slot]]));
}

/** The alerts the new spend makes due, each sent by the one node that claims it. */
async function sendAlerts(
	op: Op,
	handle: BudgetHandle,
	config: cost.BudgetConfig,
	spent: Map<cost.BudgetPeriod, number>,
	now: number,
	pairedWith: number,
): Promise<void> {
	const standings = moneyWindows(config, now).map(({ window, limitNanos }) => ({
		window,
		limitNanos,
		spentNanos: spent.get(window.period)!,
	}));
	const alerts = alertCandidates(config, standings, now);
	if (alerts.length === 0) return;
	const claimed = await handle.store.increment(
		handle.namespace,
		alerts.map((alert) => alertClaim(handle, alert, now)),
	);
	alerts.forEach((alert, position) => {
		if (claimed[position] === 1)
			op.outputs.push('Alert', alertItem(handle, config, alert, now, pairedWith));
	});
}

/** The item with its cost written to the Cost Field. */
function recordedItem(
	source: INodeExecutionData,
	item: Priced,
	name: string,
	currency: string,
	correlationField: string,
): IDataObject {
	const recorded: IDataObject = {
		amount: cost.nanosToNumber(item.nanos),
		exact: cost.formatNanos(item.nanos),
		nanos: item.nanos,
		currency,
		model: item.model,
		priceSource:
			item.price.source === 'builtIn'
				? `built-in table of ${item.price.checked ?? cost.PRICE_TABLE_DATE}`
				: item.price.source,
		// Said only when they apply, so version 1's output is unchanged for every other call.
		...(item.tier === 'longContext' ? { priceTier: 'long context' } : {}),
		...(item.batch ? { batch: true } : {}),
		tokens: {
			input: item.usage.inputTokens,
			cachedInput: item.usage.cachedInputTokens,
			cacheWrite: item.usage.cacheWriteTokens,
			...(item.usage.cacheWrite1hTokens === undefined
				? {}
				: { cacheWrite1h: item.usage.cacheWrite1hTokens }),
			output: item.usage.outputTokens,
			reasoning: item.usage.reasoningTokens,
		},
		...(item.calls === undefined ? {} : { calls: item.calls }),
		budget: name,
		correlationId: correlation.readCorrelationId(source.json, correlationField) ?? null,
	};
	return recorded;
}

/** After the step: prices each item's usage, adds the cost to the item and to the budget. */
export async function execute(op: Op): Promise<void> {
	const { context, items } = op;
	if (items.length === 0) return;
	const name = readBudgetName(context);
	const costField = fieldNameOption(context, 'options.costField', 'Cost Field', 'cost');
	const correlationField = fieldNameOption(
		context,
		'options.correlationField',
		'Correlation ID Field',
		'correlationId',
	);
	const currencyOption = String(option(context, 'currency', '')).trim();
	const fromModelRuns = context.getNodeParameter('usageFormat', 0, 'auto') === 'aiModelRuns';
	const calls = fromModelRuns ? priceModelRuns(op) : null;
	if (fromModelRuns && calls === null) return;
	let priced = fromModelRuns ? [] : priceItems(op, name);
	if (!fromModelRuns && priced.length === 0) return;
	try {
		const handle = await openBudget(op, name);
		const { config, now } = await readBudgetConfig(handle);
		const zone = zoneFor(context, config);
		const windows: Windows = new Map(
			cost.BUDGET_PERIODS.map((period) => [period, cost.windowAt(period, now, zone)]),
		);
		if (calls !== null) {
			const executionId = context.getExecutionId() || `manual-${correlation.uuidv7()}`;
			priced = sharedRecords(op, name, await claimCalls(handle, executionId, calls));
		}
		const released = await claimReleases(handle, priced, windows, now);
		const spent = await countSpend(handle, priced, released, windows, now);
		if (config !== null) await sendAlerts(op, handle, config, spent, now, priced[0].index);
		const currency = currencyOption !== '' ? currencyOption : (config?.currency ?? 'USD');
		for (const item of priced) {
			const source = items[item.index];
			const recorded = recordedItem(source, item, name, currency, correlationField);
			op.outputs.push(
				'Recorded',
				pairedItem(source, item.index, { ...source.json, [costField]: recorded }),
			);
		}
		const unstamped =
			config !== null && Object.values(config.limits).some((limit) => limit?.moneyNanos !== null)
				? priced.filter((item) => item.release === null).length
				: 0;
		if (unstamped > 0 && unstamped === priced.length) {
			op.hints.push(
				hint(
					`Budget "${name}": no item carried its Check Budget stamp, so their estimates stay reserved until the window ends. A vendor node replaces the item: set Options → Check Stamp to {{ $('Check Budget').item.json.costGuard }}.`,
				),
			);
		}
	} catch (error) {
		throw storeFailure(context, error);
	}
}
