import type { IDataObject, INodeProperties } from 'n8n-workflow';

import {
	correlation,
	cost,
	hash,
	hint,
	operationError,
	pairedItem,
	storeFailure,
	time,
	updateDisplayOptions,
	type OperationContext,
	stores,
} from '../../shared';
import { alertItem } from './alerts';
import { estimates } from './estimates';
import { reserve, settle, type Batch, type Budget } from './reservation';
import type { BudgetHandle } from './budget';
import { openBudget, readBudgetName } from './budget';
import { readSettings, type CheckSettings } from './checkBudget.settings';
import {
	currencyOption,
	optionsCollection,
	priceProperties,
	timeZoneOption,
} from './common.descriptions';
import type { OutputOf } from './outputs';

const moneyLimit = (period: string, name: string): INodeProperties => ({
	displayName: `${period} Limit`,
	name,
	type: 'string',
	default: '',
	placeholder: 'e.g. 25.00',
	description: `Most the budget may spend per ${period === 'Hourly' ? 'hour' : period === 'Daily' ? 'day' : 'month'}, in the currency of the prices (USD for the built-in table), as a decimal. Empty for no limit.`,
});

const itemLimit = (period: string, name: string): INodeProperties => ({
	displayName: `${period} Item Limit`,
	name,
	type: 'number',
	typeOptions: { minValue: 0, numberPrecision: 0 },
	default: 0,
	description: `Most items let through per ${period === 'Hourly' ? 'hour' : period === 'Daily' ? 'day' : 'month'}, whatever they cost: a volume guard rail. 0 for no limit.`,
});

const properties: INodeProperties[] = [
	{
		displayName: 'Limits',
		name: 'limits',
		type: 'collection',
		placeholder: 'Add Limit',
		description:
			'Spend (in the currency of the prices, USD for the built-in table) and item counts allowed per hour, day and month. Items that would go over leave on Over Budget.',
		default: {},
		options: [
			moneyLimit('Daily', 'dailyLimit'),
			itemLimit('Daily', 'dailyItems'),
			moneyLimit('Hourly', 'hourlyLimit'),
			itemLimit('Hourly', 'hourlyItems'),
			moneyLimit('Monthly', 'monthlyLimit'),
			itemLimit('Monthly', 'monthlyItems'),
		],
	},
	{
		displayName: 'Estimate Cost From',
		name: 'estimate',
		type: 'options',
		description:
			'What an item is expected to cost before the call, reserved against the budget until Record Usage records the real cost',
		options: [
			{
				name: 'Nothing (Recorded Spend Only)',
				value: 'none',
				description: 'Let items through until the recorded spend reaches a limit',
			},
			{
				name: 'Fixed Cost per Item',
				value: 'fixed',
				description: 'Every item is expected to cost the same, or an expression per item',
			},
			{
				name: 'Prompt Tokens',
				value: 'tokens',
				description:
					"Count the prompt's tokens and price them with the model's price, plus the expected output",
			},
		],
		default: 'none',
	},
	{
		displayName: 'Estimated Cost per Item',
		name: 'estimatedCost',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. 0.002',
		description:
			'Expected cost of one item, as a decimal in the currency of the limits. May be an expression.',
		displayOptions: { show: { estimate: ['fixed'] } },
	},
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		required: true,
		placeholder: 'e.g. {{ $json.text }}',
		description:
			"The text sent to the model, usually an expression. Tokens are counted with OpenAI's o200k_base encoding (an estimate for other vendors).",
		displayOptions: { show: { estimate: ['tokens'] } },
	},
	{
		displayName: 'Model',
		name: 'estimateModel',
		type: 'string',
		default: 'gpt-4o-mini',
		required: true,
		description: 'Model whose price the estimate uses (built-in table or a price override below)',
		displayOptions: { show: { estimate: ['tokens'] } },
	},
	{
		displayName: 'Expected Output Tokens',
		name: 'expectedOutputTokens',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 0 },
		default: 500,
		description: 'Output tokens to expect per call, e.g. the max_tokens you send',
		displayOptions: { show: { estimate: ['tokens'] } },
	},

	...priceProperties,
	optionsCollection([
		{
			displayName: 'Actual Alert Thresholds (%)',
			name: 'actualThresholds',
			type: 'string',
			default: '50, 75, 100',
			description:
				'Percentages of each money limit that send one Alert item per window when the recorded spend reaches them. Empty for none.',
		},
		currencyOption,
		{
			displayName: 'Forecast Alert Thresholds (%)',
			name: 'forecastThresholds',
			type: 'string',
			default: '50, 75, 100',
			description:
				"Percentages of each money limit that send one Alert item per window when the spend, at its rate so far, is forecast to reach them by the window's end. Forecasts start after a tenth of the window. Empty for none.",
		},
		{
			displayName: 'Near Limit (%)',
			name: 'nearLimitPercent',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 100 },
			default: 0,
			description:
				'Share of a money limit from which items are stamped nearLimit: true (with percentOfLimit), for a cheaper-model route: an IF on costGuard.nearLimit before an agent on a smaller model. 0 for off.',
		},
		{
			displayName: 'Output Field',
			name: 'outputField',
			type: 'string',
			default: 'costGuard',
			description: 'Field holding the budget decision on each item (route, estimate, windows)',
		},
		{
			displayName: 'Over Budget',
			name: 'overBudget',
			type: 'options',
			description: 'What happens to an item that does not fit the budget',
			options: [
				{
					name: 'Route to Over Budget',
					value: 'route',
					description: 'Items that do not fit leave on the Over Budget output',
				},
				{
					name: 'Stop the Workflow',
					value: 'stop',
					description:
						'An item that does not fit fails the node, so nothing after it runs (its estimate is not reserved)',
				},
			],
			default: 'route',
		},
		timeZoneOption,
	]),
];

export const description = updateDisplayOptions(
	{ show: { operation: ['checkBudget'] } },
	properties,
);

type Op = OperationContext<OutputOf<'checkBudget'>>;

/*
 * Check Budget, per batch (three round trips at most):
 * 1. publish the budget's limits and thresholds (a record written only when they change),
 *    which gives the store's clock;
 * 2. one increment batch reads the recorded spend (+0) and reserves the whole batch's
 *    estimate and item count in every limited window, atomically;
 * 3. decideAdmission (core/cost) lets items through in order against spend + others'
 *    reservations; one more increment batch gives back what did not fit and claims the
 *    alerts now due (a counter per threshold and window: whoever makes it 1 sends it).
 * Reservations are conservative: while another batch's refund is in flight an item may be
 * turned away that would have fitted, never the other way round. Record Usage releases
 * a reservation when it records the real cost (the item's Check stamp says how much).
 */

/**
 * Stores the budget's config for Record Usage and Report; written when it changed, and
 * at most daily to keep it alive (it expires BUDGET_CONFIG_TTL_MS after the budget's last
 * check, like everything else of a budget no one uses any more). Returns the store's clock.
 */
async function publishConfig(
	handle: BudgetHandle,
	config: cost.BudgetConfig,
): Promise<{ now: number; changed: boolean }> {
	const value = cost.budgetConfigJson(config);
	const wanted = hash.stableStringify(value);
	const [outcome] = await stores.updateRecords(
		handle.store,
		handle.namespace,
		[cost.budgetKeys.config(handle.name)],
		(current, now) => {
			const same = current !== undefined && hash.stableStringify(current.value) === wanted;
			const fresh =
				current?.expiresAt !== null &&
				current?.expiresAt !== undefined &&
				current.expiresAt - now > cost.BUDGET_CONFIG_TTL_MS - time.DAY_MS;
			return {
				outcome: { now, changed: !same },
				write: same && fresh ? undefined : { value, ttlMs: cost.BUDGET_CONFIG_TTL_MS },
			};
		},
	);
	return outcome;
}

/** Each item with its decision stamped on it, on Within Budget or Over Budget. */
function route(
	op: Op,
	settings: CheckSettings,
	name: string,
	budget: Budget,
	batch: Batch,
	standings: cost.PeriodStanding[],
	admission: cost.Admission,
): void {
	const { config, now } = budget;
	const percents =
		settings.nearLimitPercent > 0
			? cost.percentsOfLimit(batch.estimates, standings, admission)
			: null;
	const reserved = budget.periods
		.filter((period) => config.limits[period]!.moneyNanos !== null)
		.map((period) => ({ period, window: budget.windows.get(period)!.id }));
	batch.candidates.forEach((index, position) => {
		const fits = admission.admitted[position];
		const nanos = batch.estimates[position];
		const stamp: IDataObject = {
			budget: name,
			route: fits ? 'within' : 'over',
			// Names this item's reservation, so Record Usage releases it once however many
			// items carry the stamp (a vendor node returning several, a retried execution).
			reservation: fits ? correlation.uuidv7() : null,
			estimate: cost.nanosToNumber(nanos),
			estimateExact: cost.formatNanos(nanos),
			estimateNanos: nanos,
			currency: config.currency,
			reserved: fits ? reserved : [],
			overLimits: admission.reasons[position],
			checkedAt: new Date(now).toISOString(),
		};
		if (percents !== null) {
			stamp.percentOfLimit = percents[position];
			stamp.nearLimit = !fits || (percents[position] ?? 0) >= settings.nearLimitPercent;
		}
		const source = op.items[index];
		op.outputs.push(
			fits ? 'Within Budget' : 'Over Budget',
			pairedItem(source, index, { ...source.json, [settings.outputField]: stamp }),
		);
	});
}

/** Before an expensive step: lets items through while they fit the budget, with one Alert per threshold per window. */
export async function execute(op: Op): Promise<void> {
	const { context, items } = op;
	if (items.length === 0) return;
	const name = readBudgetName(context);
	const settings = readSettings(context);
	const { config } = settings;
	const perItem = estimates(op);
	const candidates = items.map((_, index) => index).filter((index) => perItem[index] !== null);
	const batchEstimates = candidates.map((index) => perItem[index]!);
	const batch: Batch = {
		candidates,
		estimates: batchEstimates,
		nanos: batchEstimates.reduce((sum, nanos) => sum + nanos, 0),
	};
	try {
		const handle = await openBudget(op, name);
		const { now, changed } = await publishConfig(handle, config);
		if (changed)
			op.hints.push(
				hint(
					`Budget "${name}": limits saved; Record Usage and Report nodes of this budget use them.`,
				),
			);
		const periods = cost.limitedPeriods(config);
		const budget: Budget = {
			handle,
			config,
			periods,
			windows: new Map(periods.map((period) => [period, cost.windowAt(period, now, config.zone)])),
			now,
		};
		const standings = await reserve(budget, batch);
		const admission = cost.decideAdmission(batch.estimates, standings);
		const stopping = settings.stop && admission.admittedCount < candidates.length;
		const alerts = await settle(op, budget, batch, standings, admission, stopping);
		for (const alert of alerts)
			op.outputs.push('Alert', alertItem(handle, config, alert, now, candidates[0] ?? 0));

		if (stopping) {
			const first = admission.admitted.indexOf(false);
			const index = candidates[first];
			throw operationError(
				context,
				`Budget "${name}" is exhausted: item ${index} does not fit (${admission.reasons[first].join(', ')} limit)`,
				{
					itemIndex: index,
					description:
						'Over Budget is set to Stop the Workflow. Raise the limit, wait for the next window, or route Over Budget items instead.',
				},
			);
		}
		route(op, settings, name, budget, batch, standings, admission);
		const over = candidates.length - admission.admittedCount;
		if (over > 0)
			op.hints.push(
				hint(`Budget "${name}": ${over} item(s) did not fit and went to Over Budget.`, 'warning'),
			);
	} catch (error) {
		throw storeFailure(context, error);
	}
}
