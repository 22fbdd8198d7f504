// Circuit Breaker: policy, state transitions, hop statistics (pure, no n8n).
export type { BreakerPolicy, BreakerWindowType } from './policy';
export {
	BREAKER_WINDOW_TYPES,
	BreakerPolicyError,
	DEFAULT_BREAKER_POLICY,
	isBreakerPolicyError,
	MAX_WINDOW_CALLS,
	openDurationMs,
	policiesDiffer,
	resolveBreakerPolicy,
} from './policy';
export type { FailureKind, FailureRules, FailureVerdict, StatusRange } from './failures';
export {
	DEFAULT_COUNTED_STATUSES,
	DEFAULT_FAILURE_RULES,
	describeStatuses,
	FailureRulesError,
	judgeFailure,
	MAX_STATUS_LIST_LENGTH,
	parseStatusList,
	statusCounts,
} from './failures';
export type * from './state';
export {
	asBreakerState,
	BREAKER_RETENTION_MS,
	BREAKER_STATUSES,
	breakerStateTtlMs,
	effectiveStatus,
	initialBreakerState,
} from './state';
export type { BreakerCheck } from './check';
export { decideChecks } from './check';
export type { BreakerCall, BreakerRecord, CallRole, RecordedCall } from './record';
export { decideRecords, tripReason } from './record';
export type { BreakerAction, BreakerSetState } from './setState';
export { BREAKER_ACTIONS, decideSetState } from './setState';
export type { BreakerStats } from './stats';
export { breakerStats } from './stats';
export type { LatencySummary } from './window';
export type { BreakerRegistry } from './registry';
export {
	asBreakerRegistry,
	BREAKER_REGISTRY_KEY,
	BREAKER_REGISTRY_LIMIT,
	breakerKey,
	breakerNameProblem,
	MAX_BREAKER_NAME_LENGTH,
	registerBreaker,
} from './registry';
