import type { IDataObject } from 'n8n-workflow';

import type { OperationContext } from '../../shared';
import { pairedItem, storeFailure, updateDisplayOptions } from '../../shared';
import { readLimiterIdentity } from './limiter';
import type { OutputOf } from './outputs';
import { optionsCollection, readOutputField, withField } from './settings';
import { STACK_NAMESPACE, stackKey } from './waitForSlot.stack';

/** Release Slot's own parameters; the limiter's name and store are in limiter.ts. */
export const description = updateDisplayOptions({ show: { operation: ['releaseSlot'] } }, [
	{
		displayName:
			"Put this after the vendor node (and after its error output too), with the same Limiter Name, Scope and Store as the Wait for Slot that gave the items their slots. Each item's lease is read from its Output Field; an item without one passes through. After a vendor node that replaces the item (HTTP Request does), set Lease ID to {{ $('Wait for Slot').item.json.rateLimiter.lease }}.",
		name: 'releaseSlotNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Lease ID',
		name: 'leaseId',
		type: 'string',
		default: '',
		description:
			"The lease Wait for Slot gave the item (its text). Empty reads it from the item's Output Field. After a vendor node that replaces the item with its response (HTTP Request does), read it from Wait for Slot with the expression the notice above shows.",
	},
	optionsCollection(),
]);

/**
 * Release Slot: gives back, in one store call, the in-flight slots of the items' leases
 * (`<Output Field>.lease`, the text Wait for Slot sets with Max In Flight, or the Lease ID
 * given). Every item leaves on Continue, its lease marked released (or not: it had run
 * out, or was given back before).
 * A store failure fails the node: the slots then return when their leases run out.
 */
export async function execute(op: OperationContext<OutputOf<'releaseSlot'>>): Promise<void> {
	const { context, items, outputs } = op;
	const identity = readLimiterIdentity(context);
	const field = readOutputField(context);
	if (items.length === 0) return;
	const leases = items.map((item, index) => {
		const given = context.getNodeParameter('leaseId', index, '') as unknown;
		return typeof given === 'string' && given.trim() !== ''
			? given.trim()
			: leaseOf(item.json[field]);
	});
	const ids = [...new Set(leases.filter((id): id is string => id !== null))];
	const held = new Set<string>();
	if (ids.length > 0) {
		try {
			const store = await op.store();
			const result = await store.stack!(STACK_NAMESPACE, stackKey(identity.limiterKey), {
				limits: [],
				units: [],
				release: ids,
			});
			for (const id of result.releasedIds) held.add(id);
		} catch (error) {
			throw storeFailure(context, error);
		}
	}
	items.forEach((item, index) => {
		const id = leases[index];
		const current = item.json[field];
		const details: IDataObject =
			current !== null && typeof current === 'object' && !Array.isArray(current)
				? { ...(current as IDataObject) }
				: {};
		details.released = id !== null && held.has(id);
		if (id === null) details.releaseNote = 'no lease on this item';
		else if (!held.has(id)) details.releaseNote = 'the lease had run out or was released before';
		outputs.push('Continue', pairedItem(item, index, withField(item, field, details)));
	});
}

/** The lease under the item's Output Field (`{ lease }`), or null. */
function leaseOf(value: unknown): string | null {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
	return leaseIdOf((value as { lease?: unknown }).lease);
}

/** A lease as Wait for Slot wrote it (its text), or as an object or JSON text holding it as `id`. */
function leaseIdOf(value: unknown): string | null {
	if (typeof value === 'string') {
		const text = value.trim();
		if (!text.startsWith('{')) return text === '' ? null : text;
		try {
			return leaseIdOf(JSON.parse(text));
		} catch {
			return null;
		}
	}
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
	const id = (value as { id?: unknown }).id;
	return typeof id === 'string' && id !== '' ? id : null;
}
