// The contenders of bench:all (all.ts), in table order: the No Operation floor, then each node
// of the package, its baseline first, then the node on every store it offers. Each one is a
// contender of a `Bench` (support.ts) with the same items and parameters as that bench, the
// Store parameter (and its credential) set by all.ts.
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

export type StoreChoice = 'embedded' | 'redis' | 'postgres';

export interface Contender {
	/** The row group: the node, or the floor. */
	node: string;
	label: string;
	/** As printed. */
	store: string;
	role: 'floor' | 'baseline' | 'node';
	bench: Bench<string, object>;
	contender: string;
	/** Sets the node's Store parameter (and its credential). */
	storeChoice?: StoreChoice;
	/** The items that left the node, from its output counts: every input item leaves once. */
	itemsOut(outputs: number[]): number;
	maxItems?: number;
	maxItemsWhy?: string;
}

const sum = (outputs: number[]) => outputs.reduce((total, items) => total + items, 0);
const STORE_LABEL: Record<StoreChoice, string> = {
	embedded: 'embedded',
	redis: 'Redis',
	postgres: 'Postgres',
};

function onStores(
	base: Omit<Contender, 'store' | 'storeChoice' | 'role' | 'itemsOut'>,
	stores: StoreChoice[],
): Contender[] {
	return stores.map((choice) => ({
		...base,
		role: 'node' as const,
		store: STORE_LABEL[choice],
		storeChoice: choice,
		itemsOut: sum,
	}));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each bench has its own contender names
const bench = (value: Bench<any, any>) => value as Bench<string, object>;

export const CONTENDERS: Contender[] = [
	{
		node: 'floor',
		label: 'No Operation',
		store: '—',
		role: 'floor',
		bench: bench(circuitBreakerBench),
		contender: 'noop',
		itemsOut: sum,
	},
	{
		node: 'Canonical Transform',
		label: 'Code node (the same 12 conversions, luxon)',
		store: '—',
		role: 'baseline',
		bench: bench(canonicalTransformBench),
		contender: 'code',
		itemsOut: sum,
	},
	{
		node: 'Canonical Transform',
		label: '12 fields mapped',
		store: '—',
		role: 'node',
		bench: bench(canonicalTransformBench),
		contender: 'transform',
		itemsOut: sum,
	},
	{
		node: 'Schema Guard',
		label: 'Code node (the same 15 rules)',
		store: '—',
		role: 'baseline',
		bench: bench(schemaGuardBench),
		contender: 'code',
		itemsOut: sum,
	},
	{
		node: 'Schema Guard',
		label: 'JSON Schema, 15 rules, 2 % invalid',
		store: '—',
		role: 'node',
		bench: bench(schemaGuardBench),
		contender: 'guard',
		// Valid + Invalid; the Drift Report output carries a summary of its own.
		itemsOut: (outputs) => (outputs[0] ?? 0) + (outputs[1] ?? 0),
	},
	{
		node: 'Idempotent Write',
		label: 'Remove Duplicates (v2, previous executions)',
		store: 'n8n',
		role: 'baseline',
		bench: bench(idempotentWriteBench),
		contender: 'removeDuplicates',
		itemsOut: sum,
	},
	...onStores(
		{
			node: 'Idempotent Write',
			label: 'Claim, a new key per item',
			bench: bench(idempotentWriteBench),
			contender: 'claim',
		},
		['embedded', 'redis', 'postgres'],
	),
	{
		node: 'Dead Letter',
		label: 'Data Table insert (id, error, payload)',
		store: 'n8n',
		role: 'baseline',
		bench: bench(deadLetterBench),
		contender: 'dataTable',
		itemsOut: sum,
	},
	...onStores(
		{
			node: 'Dead Letter',
			label: 'Capture, classified and stored',
			bench: bench(deadLetterBench),
			contender: 'capture',
		},
		['embedded', 'postgres'],
	),
	...onStores(
		{
			node: 'Rate Limiter',
			label: 'Wait for Slot, limit far above need',
			bench: bench(rateLimiterBench),
			contender: 'waitForSlot',
		},
		['embedded', 'redis'],
	),
	...onStores(
		{
			node: 'Circuit Breaker',
			label: 'Check, breaker closed',
			bench: bench(circuitBreakerBench),
			contender: 'check',
		},
		['embedded', 'redis', 'postgres'],
	),
	{
		node: 'Cost Guard',
		label: 'Code node (price table, running total)',
		store: 'static data',
		role: 'baseline',
		bench: bench(costGuardBench),
		contender: 'code',
		itemsOut: sum,
	},
	...onStores(
		{
			node: 'Cost Guard',
			label: 'Record Usage, OpenAI usage priced exactly',
			bench: bench(costGuardBench),
			contender: 'record',
		},
		['embedded', 'redis', 'postgres'],
	),
	{
		node: 'Credential Expiry Check',
		label: 'Code node (luxon days left, thresholds)',
		store: '—',
		role: 'baseline',
		bench: bench(credentialExpiryBench),
		contender: 'code',
		itemsOut: sum,
	},
	{
		node: 'Credential Expiry Check',
		label: 'register from input items',
		store: '— (alert memory off)',
		role: 'node',
		bench: bench(credentialExpiryBench),
		contender: 'check',
		itemsOut: sum,
	},
];
