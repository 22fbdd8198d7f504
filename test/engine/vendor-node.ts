/**
 * A stand-in for a vendor node such as HTTP Request, for the engine tests of the guards
 * that sit around a vendor call (Circuit Breaker, Idempotent Write).
 */
import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError, sleep } from 'n8n-workflow';

export const VENDOR = 'test.vendor';

/** `down`: every call of the stand-in vendor fails, as if the vendor were down. */
export const vendor = { down: false };

/**
 * Each item is replaced by the vendor's answer (`id: crm-<index>`), paired to its input
 * item, as a vendor node does: the input's fields are gone. An item with `fail: true` (or
 * every item while `vendor.down`) fails. With "On Error: Continue (using error output)" a
 * failure is `{ error }`, which the engine moves to the error output over the input
 * item's fields, as it does for n8n's own nodes.
 */
export class TestVendor implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Test Vendor',
		name: 'vendor',
		group: ['transform'],
		version: 1,
		description: 'Harness only: answers like a vendor API, or fails',
		defaults: { name: 'Vendor' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Delay (Ms)', name: 'delayMs', type: 'number', default: 0 }],
		usableAsTool: true,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const delayMs = this.getNodeParameter('delayMs', 0, 0) as number;
		if (delayMs > 0) await sleep(delayMs);
		return [
			this.getInputData().map((item, index): INodeExecutionData => {
				if (item.json.fail !== true && !vendor.down)
					return { json: { id: `crm-${index}`, synced: true }, pairedItem: { item: index } };
				if (!this.continueOnFail())
					throw new NodeOperationError(this.getNode(), 'Service Unavailable (503)', {
						itemIndex: index,
					});
				return { json: { error: 'Service Unavailable (503)' }, pairedItem: { item: index } };
			}),
		];
	}
}
