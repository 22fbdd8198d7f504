import type { INodeProperties } from 'n8n-workflow';

import { defaultClaimedKey, defaultOutputField } from './settings';

/** The parameters that say which key an item acts on, shared by the operations' descriptions. */

const FIELDS_SOURCE = {
	name: 'Fields',
	value: 'fields',
	description: 'Values of chosen fields identify the record',
};
const EXPRESSION_SOURCE = {
	name: 'Expression',
	value: 'expression',
	description: 'An expression gives the key, e.g. a webhook event ID',
};

/** Versions before 2.1 and from 2.1 on: their Output Field, and so Claimed Key, defaults differ. */
export const BEFORE_2_1 = { '@version': [{ _cnd: { lt: 2.1 } }] };
export const FROM_2_1 = { '@version': [{ _cnd: { gte: 2.1 } }] };
export const ONLY_2_1 = { '@version': [2.1] };
export const BEFORE_3 = { '@version': [{ _cnd: { lt: 3 } }] };
export const FROM_3 = { '@version': [{ _cnd: { gte: 3 } }] };

const keyFieldsBefore3: INodeProperties = {
	displayName: 'Key Fields',
	name: 'keyFields',
	type: 'string',
	default: 'id',
	required: true,
	placeholder: 'e.g. orderId, or invoice.number, customer.email',
	description:
		'Comma-separated field paths. Their values are hashed; field order in objects does not matter.',
	displayOptions: { show: { keySource: ['fields'], ...BEFORE_3 } },
};

/**
 * Version 3 leaves Key Fields empty: a prefilled `id` matched nothing in most payloads
 * (orderId, invoice.number) and said so only at run time. Earlier versions keep `id`,
 * which their saved workflows rely on (n8n does not save a default value).
 */
const keyFieldsFrom3: INodeProperties = {
	...keyFieldsBefore3,
	default: '',
	hint: 'The field that is the same on every copy of one record, e.g. orderId',
	displayOptions: { show: { keySource: ['fields'], ...FROM_3 } },
};

const KEY_FIELDS = [keyFieldsBefore3, keyFieldsFrom3];

const keyValue: INodeProperties = {
	displayName: 'Key',
	name: 'keyValue',
	type: 'string',
	default: '',
	required: true,
	placeholder: 'e.g. {{ $json.eventId }}',
	description: 'The value that identifies the record; it is hashed into the key',
	displayOptions: { show: { keySource: ['expression'] } },
};

/** Claim: a key from fields or from an expression. */
export const claimKeyProperties: INodeProperties[] = [
	{
		displayName: 'Key From',
		name: 'keySource',
		type: 'options',
		options: [FIELDS_SOURCE, EXPRESSION_SOURCE],
		default: 'fields',
		description: 'What identifies one logical record',
	},
	...KEY_FIELDS,
	keyValue,
];

function claimedKey(version: number, show: INodeProperties['displayOptions']): INodeProperties {
	const field = defaultOutputField(version);
	return {
		displayName: 'Claimed Key',
		name: 'claimedKey',
		type: 'string',
		default: defaultClaimedKey(version),
		description: `The key the Claim node put on the item (its Output Field, ${field} by default). Left at its default or empty, an item that carries no key (a vendor node replaced it) is traced back through its pairing to the Claim node before this one.`,
		hint: `e.g. {{ $('Claim').item.json.${field}.key }}`,
		displayOptions: { show: { keySource: ['claimed'], ...show?.show } },
	};
}

/** The other operations: also the key a Claim node put on the item. */
export const afterClaimKeyProperties: INodeProperties[] = [
	{
		displayName: 'Key From',
		name: 'keySource',
		type: 'options',
		options: [
			{
				name: 'Claimed Key',
				value: 'claimed',
				description: "The key a Claim node put on the item (its Output Field's key)",
			},
			FIELDS_SOURCE,
			EXPRESSION_SOURCE,
		],
		default: 'claimed',
		description:
			'Which key to act on. With Fields or Expression, use the same setting as the Claim node.',
	},
	claimedKey(2, { show: BEFORE_2_1 }),
	claimedKey(2.1, { show: FROM_2_1 }),
	...KEY_FIELDS,
	keyValue,
];
