import type { INodeProperties } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import {
	idempotency,
	time,
	updateDisplayOptions,
	type OperationContext,
	stores,
} from '../../shared';
import { describeRecord, outputItem } from './items';
import { keyItems, readKeySettings, type KeyedItem } from './keys';
import { claimKeyProperties } from './keys.descriptions';
import type { OutputName } from './outputs';
import {
	claimOwner,
	idempotencyNamespace,
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
}

export async function execute(op: Routes): Promise<void> {
	const { context, items } = op;
	const keySettings = readKeySettings(context, 'claim');
	const settings = readSettings(op, keySettings.correlationField);
	// An item without a key never Proceeds: it cannot be written safely.
	const keyed = keyItems(op, keySettings, 'Conflict');
	if (keyed.length === 0) return;
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

	for (const item of keyed) {
		const decision = final.get(item.index)!;
		const duplicateFlagged = decision.route === 'duplicate' && settings.flagDuplicates;
		op.outputs.push(
			duplicateFlagged ? 'Proceed' : ROUTE_OUTPUTS[decision.route],
			outputItem(items[item.index], item, settings.fields, {
				route: decision.route,
				duplicate: decision.route === 'duplicate',
				...describeRecord(decision.record),
			}),
		);
	}
}

function readSettings(op: Routes, correlationField: string): ClaimSettings {
	const { context } = op;
	const version = context.getNode().typeVersion;
	const leaseMs = positiveDuration(
		context,
		'Lease (Minutes)',
		context.getNodeParameter('leaseMinutes', 0, 5),
		time.MINUTE_MS,
	);
	const retention = retentionMs(context);
	const unknownRetention = unknownRetentionMs(context);
	const chosen = options(context);
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
	};
}
