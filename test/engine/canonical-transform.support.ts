/** Helpers of the Canonical Transform engine tests that run one node at a given version. */
import assert from 'node:assert/strict';

import type { IDataObject, INode, INodeExecutionData } from 'n8n-workflow';

import { CanonicalTransform } from '../../nodes/CanonicalTransform/CanonicalTransform.node';
import {
	MANUAL_TRIGGER,
	TEST_SOURCE,
	assertEachInputLeavesOnce,
	buildWorkflow,
	runWorkflow,
} from './harness';

export const CANONICAL_TRANSFORM = 'n8n-nodes-integration-guards.canonicalTransform';
export const nodeTypes = { [CANONICAL_TRANSFORM]: CanonicalTransform };

export type NodeSpec = Partial<INode> & Pick<INode, 'name' | 'type'>;

/** A Canonical Transform node maker for one version (Transform unless the parameters say). */
export function transformNodeAt(typeVersion: number) {
	return (name: string, parameters: IDataObject, extra: Partial<INode> = {}): NodeSpec => ({
		name,
		type: CANONICAL_TRANSFORM,
		typeVersion,
		parameters: { operation: 'transform', ...parameters } as INode['parameters'],
		...extra,
	});
}

export function sourceNode(name: string, items: object[]): NodeSpec {
	return { name, type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } };
}

/** One source and one Canonical Transform, started by hand; every item leaves once. */
export async function runOne(items: object[], transform: NodeSpec) {
	const workflow = buildWorkflow(
		[{ name: 'Start', type: MANUAL_TRIGGER }, sourceNode('Source', items), transform],
		[
			['Start', 'Source'],
			['Source', transform.name],
		],
	);
	const result = await runWorkflow({ workflow, nodeTypes });
	assert.equal(result.status, 'success', result.error?.message);
	assertEachInputLeavesOnce(result, transform.name);
	return result.outputs(transform.name);
}

/** Items' JSON with the correlation IDs checked and taken out, so the rest compares exactly. */
export function withoutCorrelation(items: INodeExecutionData[]): IDataObject[] {
	return items.map(({ json }) => {
		const { correlationId, ...rest } = json;
		assert.equal(typeof correlationId, 'string');
		return rest;
	});
}
