import type { IDataObject, INodeProperties } from 'n8n-workflow';

import {
	correlation,
	correlationIdFor,
	deadletter,
	updateDisplayOptions,
	type OperationContext,
} from '../../shared';
import type { Failure } from './captureRecords';
import { storeAndRoute } from './captureRoute';
import { DEFAULT_MAX_OPEN_RECORDS, readCaptureSettings } from './captureSettings';
import type { OutputName } from './outputs';
import { ReplayLookup, SentItems } from './pairing';
import {
	correlationOption,
	outputFieldOption,
	redactionOptions,
	retentionOption,
} from './properties';

export const maxOpenRecordsOption: INodeProperties = {
	displayName: 'Max Open Records',
	name: 'maxOpenRecords',
	type: 'number',
	typeOptions: { minValue: 0, numberPrecision: 0 },
	default: DEFAULT_MAX_OPEN_RECORDS,
	description:
		'Most pending and replaying records the queue holds. Past it, new failures are not stored: they leave on Not Captured (or the error output), or fail the node, with the reason. Nothing is dropped silently. 0: no limit.',
};

const payloadFromOption: INodeProperties = {
	displayName: 'Stored Payload',
	name: 'payloadFrom',
	type: 'options',
	options: [
		{
			name: 'Item Sent to the Previous Node',
			value: 'sent',
			description:
				"The item the node before Capture was given, found through n8n's item pairing, when that is the record (its answer replaced it, or n8n's error output carries it): the record as it was before it failed",
		},
		{
			name: 'This Item',
			value: 'item',
			description:
				'The item Capture receives, without its error fields: when a node of yours marks records as failed',
		},
	],
	default: 'sent',
	description:
		'What a record keeps, and a replay sends again. An item with no pairing back keeps itself.',
};

const properties: INodeProperties[] = [
	{
		displayName: 'Incoming Items',
		name: 'incoming',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'All Responses (Find Hidden Failures)',
				value: 'responses',
				description:
					"Items from a node's regular output: those with an error or a failure in the body are captured (as the record that node was sent), the rest leave on Succeeded",
			},
			{
				name: 'Failed Items',
				value: 'failed',
				description:
					'Every item is a failure: connect a node\'s error output ("On Error: Continue (using error output)") here',
			},
		],
		default: 'failed',
		description:
			"Whether every incoming item is a failure (from a node's error output), or responses in which Capture finds the failures",
	},
	{
		displayName: 'Failure Patterns',
		name: 'failurePatterns',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Pattern',
		default: {},
		description:
			'How to recognise a failure inside a successful response, e.g. errcode not equal to 0, or ok equal to false. Checked in order; a pattern with a class decides the class.',
		options: [
			{
				displayName: 'Pattern',
				name: 'rules',
				values: [
					{
						displayName: 'Field',
						name: 'field',
						type: 'string',
						default: '',
						placeholder: 'e.g. errcode',
						description:
							'Path of the field to look at. Leave empty to search the whole item as text.',
					},
					{
						displayName: 'Match',
						name: 'match',
						type: 'options',
						options: [
							{ name: 'Contains', value: 'contains' },
							{ name: 'Equals', value: 'equals' },
							{ name: 'Exists (Not Empty)', value: 'exists' },
							{ name: 'Matches Regex', value: 'regex' },
							{ name: 'Not Equal To', value: 'notEquals' },
						],
						default: 'contains',
						description: "How the field's value is compared with Value",
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: 'e.g. token expired',
						description:
							'The text the field is compared with (for Matches Regex, a regular expression)',
						displayOptions: { hide: { match: ['exists'] } },
					},
					{
						displayName: 'Class',
						name: 'class',
						type: 'options',
						options: [
							{ name: 'Auth', value: 'auth' },
							{ name: 'Automatic (From the Message)', value: 'auto' },
							{ name: 'Data', value: 'data' },
							{ name: 'Rate Limit', value: 'rateLimit' },
							{ name: 'Transient', value: 'transient' },
							{ name: 'Unknown', value: 'unknown' },
						],
						default: 'auto',
						description:
							'The failure class a match gives the record, which decides how it is replayed. Automatic reads it from the message.',
					},
				],
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Keep Binary Content up to (MB)',
				name: 'binaryContentMaxMb',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description:
					"Binary files up to this size are stored in the record, so a replay has them after n8n pruned the execution. 0 keeps a reference only (file name, type, size and n8n's binary data ID).",
			},
			correlationOption,
			{
				displayName: 'Detect Common Failure Bodies',
				name: 'detectCommonFailures',
				type: 'boolean',
				default: true,
				description:
					'Whether to treat ok: false, success: false, status: "error", a non-empty errors list, a non-zero errcode and a SOAP fault as failures',
			},
			maxOpenRecordsOption,
			{
				displayName: 'Error Field',
				name: 'errorField',
				type: 'string',
				default: 'error',
				description:
					'Field that holds the error. n8n\'s error output uses "error"; set your own when you mark failures yourself.',
			},
			outputFieldOption,
			...redactionOptions,
			retentionOption,
			payloadFromOption,
		],
	},
];

export const description = updateDisplayOptions({ show: { operation: ['capture'] } }, properties);

/**
 * Stores each failed item (or each failure found in a response) as a dead letter:
 * Captured, or Auth Failure for the class that pages someone; Succeeded for responses
 * that did not fail; Depth Alert on a crossing. What cannot be stored leaves on Not
 * Captured (version 1: Auth Failure), never on Captured.
 */
export async function execute(op: OperationContext<OutputName<'capture'>>): Promise<void> {
	const { context, items, outputs } = op;
	const settings = await readCaptureSettings(context);
	// Version 1 has no Not Captured output: its items leave on Auth Failure, the output that pages someone.
	const notCaptured = outputs.index(outputs.has('Not Captured') ? 'Not Captured' : 'Auth Failure');
	const failures: Failure[] = [];
	const now = op.clock.now();
	const lookup = new ReplayLookup(context, settings.outputField);
	const sentItems = settings.payloadFrom === 'sent' ? new SentItems(context) : null;
	const fields = { error: settings.core.errorField, output: settings.outputField };
	items.forEach((item, index) => {
		const verdict = deadletter.examineItem(item.json, item.error, settings.core, now);
		if (!verdict.failed) {
			outputs.push('Succeeded', { ...item, pairedItem: { item: index } });
			return;
		}
		const paired = sentItems?.item(index) ?? null;
		const sent =
			paired !== null &&
			deadletter.isSentRecord(settings.core.incoming, item.json, item.error, paired.json, fields)
				? paired
				: null;
		const markers: unknown[] = [
			item.json[settings.outputField],
			paired?.json[settings.outputField],
		];
		if (sent !== null) {
			// The record as the failing node was given it, not its answer or error item.
			verdict.payload = deadletter.sentPayload(sent.json, fields).payload;
		}
		// A replayed record whose marker a node on the way dropped: found through the pairing.
		markers.push(lookup.fromReplay(index));
		// From version 2.2 a replayed item holds the payload under its own field: the record is that.
		verdict.payload = deadletter.unwrapReplayed(verdict.payload, markers);
		const correlationId =
			correlation.readCorrelationId(item.json, settings.correlationField) ??
			correlationIdFor(verdict.payload as IDataObject, settings.correlationField).id;
		failures.push({ index, verdict, correlationId, sent, markers });
	});
	if (failures.length === 0) return;

	await storeAndRoute(op, failures, settings, notCaptured);
}
