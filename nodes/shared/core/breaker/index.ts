// Circuit Breaker: policy, state transitions, hop statistics (pure, no n8n).
export type { BreakerPolicy } from './policy';
export {
	BreakerPolicyError,
	DEFAULT_BREAKER_POLICY,
	isBreakerPolicyError,
	policiesDiffer,
	resolveBreakerPolicy,
} from './policy';
export type {
	BreakerAction,
	BreakerCall,
	BreakerChange,
	BreakerCheck,
	BreakerRecord,
	BreakerSetState,
	BreakerStamp,
	BreakerState,
	BreakerStatus,
	CallRole,
	ProbeCounts,
	RecordedCall,
} from './state';
export {
	asBreakerState,
	BREAKER_ACTIONS,
	BREAKER_RETENTION_MS,
	BREAKER_STATUSES,
	breakerStateTtlMs,
	decideChecks,
	decideRecords,
	decideSetState,
	effectiveStatus,
	initialBreakerState,
	tripReason,
} from './state';
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
