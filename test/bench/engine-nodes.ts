// Every node of the package as the in-process engine bench (engine.ts) and the memory test
// (test/engine/memory.test.ts) run it: the same items and parameters as the real-n8n benches
// (their `Bench` objects), the node alone in a workflow, fed N generated items, embedded store.
//
// Nothing here starts anything when imported.
import { DateTime } from 'luxon';
import type { INode, INodeExecutionData } from 'n8n-workflow';

import { canonicalTransformBench } from './canonical-transform';
import { schemaGuardBench } from './schema-guard';
import type { Bench } from './support';
import {
	circuitBreakerBench,
	costGuardBench,
	credentialExpiryBench,
	deadLetterBench,
	idempotentWriteBench,
	rateLimiterBench,
} from './throughput';

export interface EngineCase {
	/** The row's name. */
	label: string;
	bench: Bench<string, object>;
	/** The bench's contender run here. */
	contender: string;
}

/** The floor first: n8n passing the same items on (No Operation), then every node. */
export const ENGINE_CASES: EngineCase[] = [
	{ label: 'No Operation (floor)', bench: circuitBreakerBench, contender: 'noop' },
	{
		label: 'Canonical Transform (12 fields)',
		bench: canonicalTransformBench,
		contender: 'transform',
	},
	{ label: 'Schema Guard (15 rules)', bench: schemaGuardBench, contender: 'guard' },
	{ label: 'Idempotent Write Claim', bench: idempotentWriteBench, contender: 'claim' },
	{
		label: 'Rate Limiter Wait for Slot (limit far above need)',
		bench: rateLimiterBench,
		contender: 'waitForSlot',
	},
	{ label: 'Dead Letter Capture', bench: deadLetterBench, contender: 'capture' },
	{ label: 'Circuit Breaker Check', bench: circuitBreakerBench, contender: 'check' },
	{ label: 'Cost Guard Record Usage', bench: costGuardBench, contender: 'record' },
	{ label: 'Credential Expiry Check (register)', bench: credentialExpiryBench, contender: 'check' },
] as EngineCase[];

let generated = 0;

/**
 * The items the bench's Generate Code node builds in n8n, built here by the same code
 * (`$execution.id` differs per call, so keyed nodes only ever see new keys).
 */
export function generateItems(engineCase: EngineCase, items: number): INodeExecutionData[] {
	const code = engineCase.bench.generatorCode(items);
	// The benches' own generator, run as n8n's Code node runs it.
	const build = new Function('$execution', 'DateTime', code) as (
		execution: { id: string },
		dateTime: typeof DateTime,
	) => INodeExecutionData[];
	return build({ id: `engine-${process.pid}-${++generated}` }, DateTime);
}

/** The node of the case, as the only node of its workflow (the run starts at it). */
export function caseNode(engineCase: EngineCase): INode {
	const node = engineCase.bench.contenderNode(engineCase.contender);
	return { ...node, id: node.name, parameters: node.parameters ?? {} } as INode;
}
