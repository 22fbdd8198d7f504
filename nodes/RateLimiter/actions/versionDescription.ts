import type { INodeProperties, INodePropertyOptions, INodeTypeDescription } from 'n8n-workflow';

import { outputsExpression } from '../../shared';
import * as backoff from './backoff.operation';
import * as learnFromResponse from './learnFromResponse.operation';
import { limiterDescription } from './limiter';
import { OUTPUTS, outputNames, type Operation } from './outputs';
import * as quota from './quota.operation';
import * as releaseSlot from './releaseSlot.operation';
import * as sendRequest from './sendRequest.operation';
import { pacedScopeParameter, scopeParameter } from './settings';
import * as waitForSlot from './waitForSlot.operation';

/** The operations, as the Operation parameter offers them; the subtitle names them from here. */
const OPERATIONS: Array<INodePropertyOptions & { value: Operation }> = [
	{
		name: 'Wait for Slot',
		value: 'waitForSlot',
		action: 'Wait for a slot under the limit',
		description:
			'Items leave on Proceed when the limit allows (the whole batch at once: use a loop of one item per run before a vendor node), or on Over Limit past the max wait',
	},
	{
		name: 'Send Request',
		value: 'sendRequest',
		action: 'Send throttled HTTP requests with retries',
		description:
			'HTTP requests through the limiter, retried with backoff on 429, 5xx and network errors; Success or Failed',
	},
	{
		name: 'Backoff',
		value: 'backoff',
		action: 'Wait and retry a failed call',
		description:
			"After a vendor node's error output: waits with exponential backoff and routes Retry, or Give Up at the max",
	},
	{
		name: 'Learn From Response',
		value: 'learnFromResponse',
		action: "Learn the limit from a vendor node's response",
		description:
			"After any vendor node's response or error output: updates the limiter from its status and headers, then OK, Retry (with the wait the vendor asked) or Give Up",
	},
	{
		name: 'Quota',
		value: 'quota',
		action: 'Count use against a daily or monthly quota',
		description:
			'Counts use per day or month and sends an Alert item when usage crosses a threshold',
	},
	{
		name: 'Release Slot',
		value: 'releaseSlot',
		action: 'Release the in-flight slot of each item',
		description:
			"After the vendor node: gives back the in-flight slot Wait for Slot's Max In Flight gave each item, so the next item may go",
	},
];

const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	options: OPERATIONS,
	default: 'waitForSlot',
};

/** "wait for slot: hubspot": the operation as named above, and the limiter's or quota's name. */
const operationNames = Object.fromEntries(
	OPERATIONS.map((operation) => [operation.value, operation.name.toLowerCase()]),
);
export const subtitle = `={{ ${JSON.stringify(operationNames)}[$parameter["operation"]] + ($parameter["limiterName"] ? ": " + $parameter["limiterName"] : $parameter["quotaName"] ? ": " + $parameter["quotaName"] : "") }}`;

/** The version part of the description; the base part is literal in the node class. */
export const versionDescription = {
	// Version 2 adds Scope: limiters and quotas are namespaced by it, the workflow's own by
	// default; version 1 keeps its instance-wide names and their keys.
	// Version 2.1: Backoff paces its retries (one slot per item, a few per run) and sends
	// items without an error to its new No Error output.
	// Version 2.2: Send Request shows its retry settings as fields of their own.
	version: [1, 2, 2.1, 2.2],
	defaultVersion: 2.2,
	outputs: outputsExpression(outputNames, OUTPUTS) as `={{${string}}}`,
	properties: [
		operationProperty,
		scopeParameter,
		pacedScopeParameter,
		...limiterDescription,
		...waitForSlot.description,
		...sendRequest.description,
		...backoff.description,
		...learnFromResponse.description,
		...quota.description,
		...releaseSlot.description,
	],
} satisfies Partial<INodeTypeDescription>;
