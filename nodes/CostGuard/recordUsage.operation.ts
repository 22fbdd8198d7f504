import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	NodeExecutionHint,
} from 'n8n-workflow';

import type {
	BudgetPeriod,
	BudgetWindow,
	CounterIncrement,
	ModelPrice,
	TokenUsage,
	UsageFormat,
} from '../shared';
import {
	BUDGET_PERIODS,
	budgetKeys,
	costBucket,
	failItem,
	formatNanos,
	isPlainObject,
	nanosToNumber,
	pairedItem,
	parseUsage,
	PRICE_TABLE_DATE,
	priceUsage,
	readCorrelationId,
	storeFailure,
	windowAt,
	windowTtlMs,
} from '../shared';
import {
	alertCandidates,
	alertClaim,
	alertItem,
	counterIncrement,
	isExpression,
	moneyProblem,
	moneyWindows,
	openBudget,
	option,
	readBudgetConfig,
	readBudgetName,
	readPriceBook,
	redactedItemError,
	zoneFor,
} from './budget';

const RECORDED = 0;
const ALERT = 1;

/**
 * A release claim is kept until the last window it releases in ends, plus this margin:
 * after that no copy of its stamp can release anything (its windows are gone), so one
 * record per item need not stay for a month when the budget is daily.
 */
const RELEASE_CLAIM_MARGIN_MS = 3_600_000;

/** An item whose cost is known, on its way to the store. */
interface Priced {
	index: number;
	nanos: number;
	usage: TokenUsage;
	model: string;
	price: ModelPrice;
	/** The Check Budget reservation this item releases: nanos per period and window id. */
	release: {
		reservation: string;
		nanos: number;
		windows: Array<{ period: string; window: string }>;
	} | null;
}

/** The Check Budget stamp of an item for this budget, or null. */
function readStamp(value: unknown, budget: string): Priced['release'] {
	if (!isPlainObject(value) || value.budget !== budget || value.route !== 'within') return null;
	const nanos = value.estimateNanos;
	const reservation = value.reservation;
	if (
		typeof nanos !== 'number' ||
		!Number.isSafeInteger(nanos) ||
		nanos <= 0 ||
		!Array.isArray(value.reserved)
	)
		return null;
	if (typeof reservation !== 'string' || !/^[0-9a-f-]{36}$/.test(reservation)) return null;
	const windows = value.reserved.filter(
		(entry): entry is { period: string; window: string } =>
			isPlainObject(entry) && typeof entry.period === 'string' && typeof entry.window === 'string',
	);
	return { reservation, nanos, windows };
}

function priceItems(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
	name: string,
	outputs: INodeExecutionData[][],
	hints: NodeExecutionHint[],
): Priced[] {
	const format = context.getNodeParameter('usageFormat', 0, 'auto') as UsageFormat;
	const fields =
		format === 'fields'
			? {
					inputTokens: String(context.getNodeParameter('inputCountField', 0, '')),
					outputTokens: String(context.getNodeParameter('outputCountField', 0, '')),
				}
			: undefined;
	const modelPerItem = isExpression(context, 'model');
	const fixedModel = modelPerItem ? '' : String(context.getNodeParameter('model', 0, '')).trim();
	const book = readPriceBook(context);
	const stampPerItem = isExpression(context, 'options.checkStamp');
	const priced: Priced[] = [];
	const stampProblems: string[] = [];
	const fail = (index: number, message: string, description: string) =>
		// Not on Recorded: its cost was not counted. Alert is the refusal output (error output under Continue).
		failItem(
			context,
			outputs,
			items[index],
			index,
			redactedItemError(context, index, message, description),
			ALERT,
		);
	items.forEach((source, index) => {
		const parsed = parseUsage(source.json, format, '', fields);
		if (!parsed.ok) {
			fail(
				index,
				`Item ${index}: ${parsed.problem}`,
				'Connect Record Usage after the model call, and choose the Usage Format of its response (or Fields, naming them).',
			);
			return;
		}
		const model = modelPerItem
			? String(context.getNodeParameter('model', index, '')).trim()
			: fixedModel !== ''
				? fixedModel
				: (parsed.model ?? '');
		if (model === '') {
			fail(
				index,
				`Item ${index}: the response names no model`,
				'Set the Model parameter to the model you called.',
			);
			return;
		}
		const price = book.priceOf(model);
		if (price === null) {
			fail(
				index,
				`Item ${index}: no price for model "${model}"`,
				'Add the model under Price Overrides, or choose Use a Fallback Price under Unknown Model.',
			);
			return;
		}
		let nanos: number;
		try {
			nanos = priceUsage(parsed.usage, price).nanos;
		} catch (error) {
			fail(
				index,
				`Item ${index}: ${moneyProblem(error)}`,
				'The usage is too large to be a single response.',
			);
			return;
		}
		let stamp: unknown = source.json.costGuard;
		if (stampPerItem) {
			try {
				stamp = context.getNodeParameter('options.checkStamp', index, null);
			} catch (error) {
				stampProblems.push(error instanceof Error ? error.message : String(error));
				stamp = null;
			}
		}
		priced.push({
			index,
			nanos,
			usage: parsed.usage,
			model,
			price,
			release: readStamp(stamp, name),
		});
	});
	if (stampProblems.length > 0) {
		hints.push({
			message: `Check Stamp could not be read for ${stampProblems.length} item(s): ${stampProblems[0]}`,
			type: 'warning',
			location: 'outputPane',
		});
	}
	return priced;
}

export async function execute(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	const outputs: INodeExecutionData[][] = [[], []];
	if (items.length === 0) return outputs;
	const name = readBudgetName(context);
	const costField = String(option(context, 'costField', 'cost')).trim() || 'cost';
	const correlationField =
		String(option(context, 'correlationField', 'correlationId')).trim() || 'correlationId';
	const currencyOption = String(option(context, 'currency', '')).trim();
	const hints: NodeExecutionHint[] = [];
	const priced = priceItems(context, items, name, outputs, hints);
	if (priced.length === 0) return outputs;
	try {
		const handle = await openBudget(context, name);
		const { config, now } = await readBudgetConfig(handle);
		const zone = zoneFor(context, config);
		const windows = new Map<BudgetPeriod, BudgetWindow>(
			BUDGET_PERIODS.map((period) => [period, windowAt(period, now, zone)]),
		);
		const total = priced.reduce((sum, item) => sum + item.nanos, 0);

		// A reservation is released once: the first Record Usage to claim it (its counter made
		// 1) releases it; copies of the stamp (several items from one, a retried run) do not.
		const stamped = [
			...new Map(
				priced
					.filter((item) => item.release !== null)
					.map((item) => [item.release!.reservation, item.release!]),
			).values(),
		];
		const claimTtl = (release: NonNullable<Priced['release']>) => {
			const ends = release.windows
				.map((entry) => windows.get(entry.period as BudgetPeriod))
				.filter(
					(window, position): window is BudgetWindow =>
						window?.id === release.windows[position].window,
				)
				.map((window) => window.end);
			return Math.max(0, ...ends.map((end) => end - now)) + RELEASE_CLAIM_MARGIN_MS;
		};
		const claims =
			stamped.length > 0
				? await handle.store.increment(
						handle.namespace,
						stamped.map((release) => ({
							key: budgetKeys.release(name, release.reservation),
							by: 1,
							ttlMs: claimTtl(release),
						})),
					)
				: [];
		const released = stamped.filter((_, position) => claims[position] === 1);

		const increments: CounterIncrement[] = [];
		const spentAt = new Map<BudgetPeriod, number>();
		const buckets = new Map<number, number>();
		for (const item of priced) {
			const bucket = costBucket(item.nanos);
			buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
		}
		for (const period of BUDGET_PERIODS) {
			const window = windows.get(period)!;
			spentAt.set(period, increments.length);
			increments.push(counterIncrement(handle, 'spent', window, total, now));
			increments.push(counterIncrement(handle, 'records', window, priced.length, now));
			for (const [bucket, count] of buckets) {
				increments.push({
					key: budgetKeys.bucket(name, window, bucket),
					by: count,
					ttlMs: windowTtlMs(window, now),
				});
			}
			// Release what Check Budget reserved for these items in this same window.
			const release = released.reduce(
				(sum, reservation) =>
					sum +
					(reservation.windows.some(
						(entry) => entry.period === period && entry.window === window.id,
					)
						? reservation.nanos
						: 0),
				0,
			);
			if (release > 0) increments.push(counterIncrement(handle, 'reserved', window, -release, now));
		}
		const values = await handle.store.increment(handle.namespace, increments);

		if (config !== null) {
			const standings = moneyWindows(config, now).map(({ window, limitNanos }) => ({
				window,
				limitNanos,
				spentNanos: values[spentAt.get(window.period)!],
			}));
			const alerts = alertCandidates(config, standings, now);
			if (alerts.length > 0) {
				const claimed = await handle.store.increment(
					handle.namespace,
					alerts.map((alert) => alertClaim(handle, alert, now)),
				);
				alerts.forEach((alert, position) => {
					if (claimed[position] === 1)
						outputs[ALERT].push(alertItem(handle, config, alert, now, priced[0].index));
				});
			}
		}
		const currency = currencyOption !== '' ? currencyOption : (config?.currency ?? 'USD');
		const unstamped =
			config !== null && Object.values(config.limits).some((limit) => limit?.moneyNanos !== null)
				? priced.filter((item) => item.release === null).length
				: 0;
		for (const item of priced) {
			const source = items[item.index];
			const cost: IDataObject = {
				amount: nanosToNumber(item.nanos),
				exact: formatNanos(item.nanos),
				nanos: item.nanos,
				currency,
				model: item.model,
				priceSource:
					item.price.source === 'builtIn'
						? `built-in table of ${PRICE_TABLE_DATE}`
						: item.price.source,
				tokens: {
					input: item.usage.inputTokens,
					cachedInput: item.usage.cachedInputTokens,
					cacheWrite: item.usage.cacheWriteTokens,
					output: item.usage.outputTokens,
					reasoning: item.usage.reasoningTokens,
				},
				budget: name,
				correlationId: readCorrelationId(source.json, correlationField) ?? null,
			};
			outputs[RECORDED].push(pairedItem(source, item.index, { ...source.json, [costField]: cost }));
		}
		if (unstamped > 0 && unstamped === priced.length) {
			hints.push({
				message: `Budget "${name}": no item carried its Check Budget stamp, so their estimates stay reserved until the window ends. A vendor node replaces the item: set Options → Check Stamp to {{ $('Check Budget').item.json.costGuard }}.`,
				type: 'info',
				location: 'outputPane',
			});
		}
	} catch (error) {
		throw storeFailure(context, error);
	}
	if (hints.length > 0) context.addExecutionHints(...hints);
	return outputs;
}
