import type { IDataObject, INodeProperties, NodeExecutionHint } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import {
	hint,
	idempotency,
	time,
	updateDisplayOptions,
	type OperationContext,
	stores,
} from '../../shared';
import { describeRecord, leanRecord, outputItem } from './items';
import { keyItems, readKeySettings, type KeyedItem } from './keys';
import { claimKeyProperties } from './keys.descriptions';
import type { OutputName } from './outputs';
import {
	claimOwner,
	DEFAULT_TEST_LEASE_SECONDS,
	idempotencyNamespace,
	isNewcomerVersion,
	NEWCOMER_VERSION,
	options,
	outputField,
	positiveDuration,
	retentionMs,
	unknownRetentionMs,
} from './settings';

/** Claim: claim each item's key before the write; Proceed, Duplicate, In Flight, Conflict or Reconcile. */

const RECONCILE = {
	name: 'Reconcile (Check Before Writing)',
	value: 'reconcile',
	description:
		'The execution that held the claim may have written before it died: route to Reconcile to look the record up first. Exactly once whether or not the vendor honours the Idempotency-Key header.',
};
const PROCEED = {
	name: 'Proceed (Retry the Write)',
	value: 'proceed',
	description:
		'Only safe when the vendor honours the Idempotency-Key header: a vendor that ignores it creates the record again if the dead execution had written',
};

// Version 2 changed defaults (Reconcile after a lease runs out; a bounded wait for
// in-flight claims, applied below). n8n stores only parameters that differ from their
// default, so version 1 keeps its own defaults: workflows saved with it behave as before.
const properties: INodeProperties[] = [
	{
		displayName:
			'Claim → your write → Complete after it succeeded, or Release after it failed. Until a Complete, repeats of a key go to In Flight for the lease; repeats within one run go to Duplicate. Runs started from the editor claim for Lease in Manual Runs (10 seconds unless set under Options).',
		name: 'claimNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { '@version': [{ _cnd: { gte: NEWCOMER_VERSION } }] } },
	},
	...claimKeyProperties,
	{
		displayName: 'Conflict Check Fields',
		name: 'conflictFields',
		type: 'string',
		default: '',
		placeholder: 'e.g. amount, currency',
		description:
			'Comma-separated payload fields. If a key comes back with different values in these fields, the item goes to Conflict instead of being treated as a duplicate. Leave empty to skip the check.',
	},
	{
		displayName: 'Lease (Minutes)',
		name: 'leaseMinutes',
		type: 'number',
		typeOptions: { minValue: 0.05 },
		default: 5,
		description:
			'How long a claim is held for the write. If the execution dies before Complete or Release, the key can be claimed again after this. Make it longer than the write can take.',
	},
	{
		displayName: 'After a Lease Runs Out',
		name: 'afterExpiredLease',
		type: 'options',
		options: [PROCEED, RECONCILE],
		default: 'proceed',
		description: 'What a claim means when its execution died before Complete or Release',
		displayOptions: { show: { '@version': [1] } },
	},
	{
		displayName: 'After a Lease Runs Out',
		name: 'afterExpiredLease',
		type: 'options',
		options: [RECONCILE, PROCEED],
		default: 'reconcile',
		description:
			'What a claim means when its execution died before Complete or Release. Wire Reconcile to a look-up at the vendor, then Complete (found) or write (not found).',
		displayOptions: { show: { '@version': [{ _cnd: { gte: 2 } }] } },
	},
];

export const description = updateDisplayOptions({ show: { operation: ['claim'] } }, properties);

/** Each route of the protocol, by the output it leaves on. */
const ROUTE_OUTPUTS: Record<idempotency.ClaimRoute, OutputName<'claim'>> = {
	proceed: 'Proceed',
	duplicate: 'Duplicate',
	inFlight: 'In Flight',
	conflict: 'Conflict',
	reconcile: 'Reconcile',
};
const WAIT_POLL_MS = 250;
/** Wait for In-Flight Claims (Seconds) when the option is not set, from version 2 on (its default in the description). */
const DEFAULT_WAIT_SECONDS = 30;
const MAX_WAIT_SECONDS = 300;

type Routes = OperationContext<OutputName<'claim'>>;

interface ClaimSettings {
	request: Omit<idempotency.ClaimRequest, 'fingerprint' | 'correlationId'>;
	waitMs: number;
	flagDuplicates: boolean;
	fields: { correlationField: string; outputField: string };
	/** Version 3: repeats of a key in the batch go to Duplicate, items carry the lean stamp. */
	newcomer: boolean;
	/** Version 3: the whole record on every item (Options → Item Stamp). */
	fullStamp: boolean;
	/** Version 3, a manual run: the test lease that replaced Lease (Minutes), in seconds. */
	testLeaseSeconds: number | null;
}

/** A repeat of a key an earlier item of the batch claims: it follows that item. */
interface Repeat {
	item: KeyedItem;
	first: KeyedItem;
}

export async function execute(op: Routes): Promise<void> {
	const { context, items } = op;
	const keySettings = readKeySettings(context, 'claim');
	const settings = readSettings(op, keySettings.correlationField);
	// An item without a key never Proceeds: it cannot be written safely.
	const all = keyItems(op, keySettings, 'Conflict');
	if (all.length === 0) return;
	// Version 3: only the first item of each key is claimed; its repeats follow it.
	const { firsts: keyed, repeats } = settings.newcomer
		? splitRepeats(all)
		: { firsts: all, repeats: [] as Repeat[] };
	const store = await op.store();
	const namespace = idempotencyNamespace(context);
	const request = (item: KeyedItem): idempotency.ClaimRequest => ({
		...settings.request,
		fingerprint: item.fingerprint,
		correlationId: item.correlationId,
	});
	// First claims of keys the store does not have are created without a read first.
	const { stamps } = idempotency.firstClaim({
		...settings.request,
		fingerprint: null,
		correlationId: null,
	});
	const claimOnce = async (batch: KeyedItem[]) =>
		await stores.updateRecords<idempotency.ClaimDecision>(
			store,
			namespace,
			batch.map((item) => item.key),
			(current, now, position) => {
				const decision = idempotency.decideClaim(
					idempotency.asClaimRecord(current?.value),
					request(batch[position]),
					now,
				);
				return { outcome: decision, write: decision.write };
			},
			{
				stamps,
				insert: (position) => {
					const { value, ttlMs } = idempotency.firstClaim(request(batch[position]));
					return { value, ttlMs };
				},
			},
		);

	let decisions = await claimOnce(keyed);
	const final = new Map<number, idempotency.ClaimDecision>();
	const deadline = Date.now() + settings.waitMs;
	let waiting: KeyedItem[] = [];
	keyed.forEach((item, position) => {
		// A repeat of a key claimed earlier in this very batch is held by us: nothing can
		// finish it while this node runs, so waiting would only burn the whole limit.
		const heldByAnother = decisions[position].record.owner !== settings.request.owner;
		if (decisions[position].route === 'inFlight' && settings.waitMs > 0 && heldByAnother)
			waiting.push(item);
		else final.set(item.index, decisions[position]);
	});
	// Items held by another execution: poll until it finishes, or the wait runs out.
	while (waiting.length > 0) {
		const lastRound = Date.now() + WAIT_POLL_MS >= deadline;
		await sleep(Math.max(0, Math.min(WAIT_POLL_MS, deadline - Date.now())));
		decisions = await claimOnce(waiting);
		const stillWaiting: KeyedItem[] = [];
		waiting.forEach((item, position) => {
			if (decisions[position].route === 'inFlight' && !lastRound) stillWaiting.push(item);
			else final.set(item.index, decisions[position]);
		});
		waiting = stillWaiting;
	}

	const repeatOf = new Map<number, number>();
	for (const { item, first } of repeats) {
		final.set(item.index, repeatDecision(item, first, final.get(first.index)!));
		repeatOf.set(item.index, first.index);
	}
	for (const item of all) {
		const decision = final.get(item.index)!;
		const duplicateFlagged = decision.route === 'duplicate' && settings.flagDuplicates;
		const first = repeatOf.get(item.index);
		const details: IDataObject = settings.newcomer
			? {
					route: decision.route,
					...(settings.fullStamp
						? { duplicate: decision.route === 'duplicate', ...describeRecord(decision.record) }
						: leanRecord(decision.route, decision.record)),
					...(first !== undefined ? { repeatOfItem: first } : {}),
				}
			: {
					route: decision.route,
					duplicate: decision.route === 'duplicate',
					...describeRecord(decision.record),
				};
		op.outputs.push(
			duplicateFlagged ? 'Proceed' : ROUTE_OUTPUTS[decision.route],
			outputItem(items[item.index], item, settings.fields, details),
		);
	}
	if (repeats.length > 0)
		op.hints.push(
			hint(
				`Idempotent Write: ${repeats.length} item(s) repeat a key an earlier item of this run claimed, and went to Duplicate (${settings.fields.outputField}.repeatOfItem names that item).`,
			),
		);
	const held = keyed.filter((item) => final.get(item.index)!.route === 'inFlight');
	if (settings.newcomer && held.length > 0) op.hints.push(inFlightHint(held, final));
	if (settings.testLeaseSeconds !== null && keyed.length > 0)
		op.hints.push(
			hint(
				`Manual run: keys were claimed for ${settings.testLeaseSeconds} seconds (Options → Lease in Manual Runs), not for Lease (Minutes). Without a Complete after the write, running again within that time sends these keys to In Flight, and after it to Reconcile (the write may have happened). Forget clears keys while you build.`,
			),
		);
}

/** Version 3: who holds the keys that went to In Flight, until when, and how to free them while building. */
function inFlightHint(
	held: KeyedItem[],
	final: Map<number, idempotency.ClaimDecision>,
): NodeExecutionHint {
	const record = final.get(held[0].index)!.record;
	const until =
		record.leaseUntil === null ? 'its lease ends' : new Date(record.leaseUntil).toISOString();
	return hint(
		`Idempotent Write: ${held.length} item(s) went to In Flight: another execution holds their key (the first by ${record.owner}, until ${until}). Without a Complete or Release it stays held until its lease ends; Forget clears keys while you build.`,
	);
}

/** The first item of each key, and the items that repeat a key an earlier item has. */
function splitRepeats(keyed: KeyedItem[]): { firsts: KeyedItem[]; repeats: Repeat[] } {
	const seen = new Map<string, KeyedItem>();
	const firsts: KeyedItem[] = [];
	const repeats: Repeat[] = [];
	for (const item of keyed) {
		const first = seen.get(item.key);
		if (first === undefined) {
			seen.set(item.key, item);
			firsts.push(item);
		} else repeats.push({ item, first });
	}
	return { firsts, repeats };
}

/**
 * A repeat in the batch follows its first item: Conflict when its Conflict Check Fields
 * differ from the first's, or when the first conflicted; otherwise Duplicate, carrying
 * the record the first item found (with its kept result when the key was completed).
 */
function repeatDecision(
	item: KeyedItem,
	first: KeyedItem,
	firstDecision: idempotency.ClaimDecision,
): idempotency.ClaimDecision {
	const differs =
		item.fingerprint !== null &&
		first.fingerprint !== null &&
		item.fingerprint !== first.fingerprint;
	if (differs || firstDecision.route === 'conflict')
		return { route: 'conflict', record: firstDecision.record };
	return { route: 'duplicate', record: firstDecision.record };
}

function readSettings(op: Routes, correlationField: string): ClaimSettings {
	const { context } = op;
	const version = context.getNode().typeVersion;
	const newcomer = isNewcomerVersion(context);
	const chosen = options(context);
	// Version 3: a run from the editor claims for a short test lease, so building does not
	// lock keys for the whole lease.
	const testLeaseSeconds =
		newcomer && context.getMode() === 'manual'
			? Number(chosen.testLeaseSeconds ?? DEFAULT_TEST_LEASE_SECONDS)
			: null;
	const leaseMs =
		testLeaseSeconds !== null
			? positiveDuration(
					context,
					'Lease in Manual Runs (Seconds)',
					testLeaseSeconds,
					time.SECOND_MS,
				)
			: positiveDuration(
					context,
					'Lease (Minutes)',
					context.getNodeParameter('leaseMinutes', 0, 5),
					time.MINUTE_MS,
				);
	const retention = retentionMs(context);
	const unknownRetention = unknownRetentionMs(context);
	// Without the option, version 2 waits for an in-flight claim (bounded); version 1 did not.
	const waitSeconds = Number(chosen.waitSeconds ?? (version >= 2 ? DEFAULT_WAIT_SECONDS : 0));
	// What version 1 and version 2 default to when the parameter is not stored.
	const afterExpiredLease = context.getNodeParameter(
		'afterExpiredLease',
		0,
		version >= 2 ? 'reconcile' : 'proceed',
	);
	return {
		request: {
			owner: claimOwner(context),
			leaseMs,
			retentionMs: retention,
			afterExpiredLease: afterExpiredLease === 'reconcile' ? 'reconcile' : 'proceed',
			unknownRetentionMs: unknownRetention,
		},
		waitMs:
			Number.isFinite(waitSeconds) && waitSeconds > 0
				? Math.min(waitSeconds, MAX_WAIT_SECONDS) * time.SECOND_MS
				: 0,
		flagDuplicates: chosen.duplicates === 'flag',
		fields: { correlationField, outputField: outputField(context) },
		newcomer,
		fullStamp: chosen.itemStamp === 'full',
		testLeaseSeconds,
	};
}
