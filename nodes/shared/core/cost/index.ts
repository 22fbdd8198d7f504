// Cost Guard: money, prices, usage parsing, windows, thresholds, forecasts, cost per record (pure, no n8n).
export {
	divideRounded,
	formatNanos,
	MoneyError,
	NANOS_PER_UNIT,
	nanosToNumber,
	parseMoney,
	parseMoneyNanos,
	toSafeNanos,
} from './money';
export type {
	CompiledRates,
	LongContextRates,
	ModelPrice,
	PriceBook,
	PricedUsage,
	PriceEntry,
	PriceRates,
	PricingOptions,
} from './pricing';
export {
	BUILT_IN_PRICES,
	compilePrice,
	normaliseModel,
	PRICE_TABLE_DATE,
	priceBook,
	priceUsage,
} from './pricing';
export type { ModelRun, ModelRunsResult } from './modelRuns';
export { modelRunsOf, splitNanos } from './modelRuns';
export type { PriceList } from './priceList';
export {
	MAX_PRICE_LIST_CHARACTERS,
	MAX_PRICE_LIST_MODELS,
	parsePriceList,
	perMillion,
	PriceListError,
} from './priceList';
export type { ParsedUsage, TokenUsage, UsageFields, UsageFormat } from './usage';
export { parseUsage, USAGE_FORMATS } from './usage';
export type { BudgetPeriod, BudgetWindow } from './windows';
export {
	BUDGET_PERIODS,
	elapsedFraction,
	isTimeZone,
	previousWindows,
	windowAt,
	windowTtlMs,
} from './windows';
export type { AlertKind } from './thresholds';
export { DEFAULT_THRESHOLDS, forecastNanos, percentOf, reachedThresholds } from './thresholds';
export type { Regression } from './stats';
export {
	bucketValue,
	COST_BUCKETS,
	costBucket,
	costRegression,
	histogramPercentile,
} from './stats';
export type { Admission, BudgetConfig, BudgetCounter, PeriodLimit, PeriodStanding } from './budget';
export { parseBudgetKey, type ParsedBudgetKey } from './budget';
export {
	asBudgetConfig,
	BUDGET_CONFIG_TTL_MS,
	budgetConfigJson,
	budgetKeys,
	budgetNameProblem,
	decideAdmission,
	limitedPeriods,
	MAX_BUDGET_NAME_LENGTH,
	percentsOfLimit,
} from './budget';
export type { CacheEntry, CacheKeyOptions } from './cache';
export { asCacheEntry, cacheKeyOf, MAX_CACHE_ENTRY_BYTES, normaliseForKey } from './cache';
export { estimateCallNanos, promptTokens } from './estimate';
