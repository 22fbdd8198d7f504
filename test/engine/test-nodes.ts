/**
 * Harness-only node types. They never ship: the package's own nodes are loaded from the
 * compiled output (see node-types.ts). Two stand-ins for n8n base nodes let a workflow
 * exported from a real n8n (which starts with a Manual Trigger and may use No Operation
 * nodes) run here unchanged; they behave like the real nodes for a manual run.
 */
import {
	NodeConnectionTypes,
	NodeOperationError,
	type IBinaryData,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

/** Harness-only type names, as they appear in workflow JSON. */
export const TEST_SOURCE = 'test.source';
export const TEST_NOOP = 'test.noop';
/** Stand-ins registered under the real n8n base type names. */
export const MANUAL_TRIGGER = 'n8n-nodes-base.manualTrigger';
export const BASE_NOOP = 'n8n-nodes-base.noOp';
export const STICKY_NOTE = 'n8n-nodes-base.stickyNote';

/** One binary property of a `test.source` item. */
export interface TestBinaryFile {
	/** The file content, as text (`encoding: 'utf8'`, the default) or base64. */
	content: string;
	encoding?: 'utf8' | 'base64';
	fileName?: string;
	mimeType?: string;
}

/** Binary properties (property name → file) for one item. */
export type TestBinarySpec = Record<string, TestBinaryFile>;

function isPlainObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a `json` parameter that may hold a JSON string (as the editor stores it) or a value. */
function readJsonParameter(context: IExecuteFunctions, name: string): unknown {
	const raw = context.getNodeParameter(name, 0);
	if (typeof raw !== 'string') return raw;
	if (raw.trim() === '') return undefined;
	try {
		return JSON.parse(raw) as unknown;
	} catch (error) {
		throw new NodeOperationError(context.getNode(), `Parameter "${name}" is not valid JSON`, {
			description: error instanceof Error ? error.message : String(error),
		});
	}
}

function readBinarySpec(
	context: IExecuteFunctions,
	value: unknown,
	itemIndex: number,
): TestBinarySpec | undefined {
	if (value === undefined || value === null) return undefined;
	if (!isPlainObject(value)) {
		throw new NodeOperationError(
			context.getNode(),
			`Binary for item ${itemIndex} must be an object`,
			{
				itemIndex,
				description:
					'Give { "<property>": { "content": "...", "fileName": "...", "mimeType": "..." } }',
			},
		);
	}
	for (const [property, file] of Object.entries(value)) {
		if (!isPlainObject(file) || typeof file.content !== 'string') {
			throw new NodeOperationError(
				context.getNode(),
				`Binary property "${property}" of item ${itemIndex} needs a string "content"`,
				{ itemIndex },
			);
		}
	}
	return value as unknown as TestBinarySpec;
}

/**
 * `test.source`: emits the items given in its `items` parameter (a JSON array; each
 * element becomes one item's `json`), each paired with input item 0. Optional `binary`:
 * an object of binary properties attached to every item, or an array aligned with
 * `items` (null for an item without binary). Binary data is stored through
 * `this.helpers.prepareBinaryData`, i.e. in n8n's binary data store, as in a server.
 */
export class TestSource implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Test Source',
		name: 'source',
		group: ['input'],
		version: 1,
		description: 'Harness only: emits the items given as JSON, with optional binary data',
		defaults: { name: 'Test Source' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{
				displayName: 'Items (JSON)',
				name: 'items',
				type: 'json',
				default: '[]',
				description: 'A JSON array; each element becomes the json of one item',
			},
			{
				displayName: 'Binary (JSON)',
				name: 'binary',
				type: 'json',
				default: '',
				description:
					'Binary properties: an object applied to every item, or an array aligned with the items. Each property is { content, encoding?, fileName?, mimeType? }.',
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = readJsonParameter(this, 'items');
		if (!Array.isArray(items) || !items.every(isPlainObject)) {
			throw new NodeOperationError(
				this.getNode(),
				'Parameter "items" must be a JSON array of objects',
			);
		}
		const binary = readJsonParameter(this, 'binary');
		const output: INodeExecutionData[] = [];
		for (const [index, json] of items.entries()) {
			const item: INodeExecutionData = { json, pairedItem: { item: 0 } };
			const spec = readBinarySpec(this, Array.isArray(binary) ? binary[index] : binary, index);
			if (spec !== undefined && Object.keys(spec).length > 0) {
				const files: Record<string, IBinaryData> = {};
				for (const [property, file] of Object.entries(spec)) {
					const buffer = Buffer.from(file.content, file.encoding ?? 'utf8');
					files[property] = await this.helpers.prepareBinaryData(
						buffer,
						file.fileName,
						file.mimeType,
					);
				}
				item.binary = files;
			}
			output.push(item);
		}
		return [output];
	}
}

/** `test.noop`: returns its input items unchanged (the engine has already paired them). */
export class TestNoop implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Test No-op',
		name: 'noop',
		group: ['transform'],
		version: 1,
		description: 'Harness only: passes items through',
		defaults: { name: 'Test No-op' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

/**
 * Stand-in for `n8n-nodes-base.manualTrigger`: emits the harness's start items (by default
 * one empty item, which is what the real trigger emits on a manual run).
 */
export class ManualTriggerStandIn implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'When clicking ‘Execute workflow’',
		name: 'manualTrigger',
		group: ['trigger', 'input'],
		version: 1,
		description: 'Harness stand-in for the Manual Trigger',
		defaults: { name: 'When clicking ‘Execute workflow’' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

/** Stand-in for `n8n-nodes-base.noOp` (No Operation, do nothing): passes items through. */
export class NoOpStandIn implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'No Operation, do nothing',
		name: 'noOp',
		group: ['organization'],
		version: 1,
		description: 'Harness stand-in for No Operation',
		defaults: { name: 'No Operation, do nothing' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

/** Stand-in for `n8n-nodes-base.stickyNote`: an annotation; never runs. */
export class StickyNoteStandIn implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Sticky Note',
		name: 'stickyNote',
		group: ['input'],
		version: 1,
		description: 'Harness stand-in for Sticky Note',
		defaults: { name: 'Sticky Note' },
		inputs: [],
		outputs: [],
		properties: [],
	};
}

/** The harness-only node types, keyed by the type name used in workflow JSON. */
export function harnessNodeTypes(): Record<string, INodeType> {
	return {
		[TEST_SOURCE]: new TestSource(),
		[TEST_NOOP]: new TestNoop(),
		[MANUAL_TRIGGER]: new ManualTriggerStandIn(),
		[BASE_NOOP]: new NoOpStandIn(),
		[STICKY_NOTE]: new StickyNoteStandIn(),
	};
}
