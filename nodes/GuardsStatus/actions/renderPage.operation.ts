import type { INodeExecutionData, INodeProperties } from 'n8n-workflow';

import {
	checkFieldName,
	checkNumber,
	fieldNameOption,
	hint,
	optionsOf,
	status,
	updateDisplayOptions,
	type OperationContext,
} from '../../shared';
import type { OutputName } from './outputs';
import { readOptions, readSnapshot } from './read';

/**
 * Render Page: the snapshot as one self-contained HTML page, for Respond to Webhook
 * (Respond With: Text, Response Body {{ $json.html }}, header Content-Type text/html).
 */

const properties: INodeProperties[] = [
	{
		displayName:
			'Answer with Respond to Webhook: Respond With Text, Response Body <code>{{ $json.html }}</code>, and the response header Content-Type <code>text/html; charset=utf-8</code>',
		name: 'respondNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		description: 'How much to read, and how the page looks and where it goes',
		options: [
			...readOptions,
			{
				displayName: 'Auto-Refresh (Seconds)',
				name: 'refreshSeconds',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: status.MAX_REFRESH_SECONDS },
				default: 0,
				description: 'The page reloads itself this often. 0 never reloads.',
			},
			{
				displayName: 'Binary Field',
				name: 'binaryField',
				type: 'string',
				default: '',
				placeholder: 'e.g. data',
				description:
					'Also put the page in this binary field (guards-status.html, text/html), e.g. for Respond With Binary File or to save it. Empty: no binary.',
			},
			{
				displayName: 'HTML Field',
				name: 'htmlField',
				type: 'string',
				default: 'html',
				description: 'Field of the output item that holds the page',
			},
			{
				displayName: 'Page Title',
				name: 'title',
				type: 'string',
				default: 'Guards status',
				description: 'Shown at the top of the page and in the browser tab',
			},
		],
	},
];

export const description = updateDisplayOptions(
	{ show: { operation: ['renderPage'] } },
	properties,
);

export async function execute(op: OperationContext<OutputName<'renderPage'>>): Promise<void> {
	const { context, items } = op;
	const options = optionsOf(context);
	const htmlField = fieldNameOption(context, 'options.htmlField', 'HTML Field', 'html');
	const binaryRaw = String(options('binaryField', '')).trim();
	const binaryField = binaryRaw === '' ? null : checkFieldName(context, binaryRaw, 'Binary Field');
	const refreshSeconds = checkNumber(
		context,
		options('refreshSeconds', 0),
		'Auto-Refresh (Seconds)',
		{
			min: 0,
			max: status.MAX_REFRESH_SECONDS,
			integer: true,
			unit: 'seconds',
			zero: '0 never reloads',
		},
	);
	const title = String(options('title', 'Guards status')).slice(0, 200);
	if (items.length === 0) return;
	const snapshot = await readSnapshot(op);
	if (!snapshot.complete) op.hints.push(hint(snapshot.warnings.join(' '), 'warning'));
	const html = status.renderStatusPage(snapshot, { title, refreshSeconds });
	const item: INodeExecutionData = {
		json: { [htmlField]: html },
		// A page of the whole input: the item pairs with every input item.
		pairedItem: items.map((_, index) => ({ item: index })),
	};
	if (binaryField !== null) {
		item.binary = {
			[binaryField]: await context.helpers.prepareBinaryData(
				Buffer.from(html, 'utf8'),
				'guards-status.html',
				'text/html',
			),
		};
	}
	op.outputs.push('Page', item);
}
