import type { INodeProperties } from 'n8n-workflow';

/** Parameters several Circuit Breaker operations show, each in its own operation's description. */

export const breakerNameProperty: INodeProperties = {
	displayName: 'Breaker Name',
	name: 'breakerName',
	type: 'string',
	default: '',
	required: true,
	placeholder: 'e.g. salesforce',
	hint: 'Check and Record with the same name share one breaker: name it after the API it guards',
	description:
		"The hop this breaker guards. Check, Record and Set State nodes with the same name and scope share one breaker, in every workflow and on every worker. From version 1.1 an expression gives each item its own breaker (one per tenant or host, at most 100 per execution); Record takes a failed call's breaker from its Check stamp.",
};

export const outputFieldOption: INodeProperties = {
	displayName: 'Output Field',
	name: 'outputField',
	type: 'string',
	default: 'circuitBreaker',
	description:
		"Field added to each item with the breaker's name, route and state. Record reads the Check stamp from it.",
};

export const onStoreErrorOption: INodeProperties = {
	displayName: 'If the Store Is Unreachable',
	name: 'onStoreError',
	type: 'options',
	description:
		'What happens when the store cannot be read or written: fail closed (the default), or let calls through without the breaker',
	options: [
		{
			name: 'Fail the Node',
			value: 'fail',
			description:
				'No item leaves on Proceed or Success. With On Error set to Continue, every item leaves as an error item instead: on the error output, or with Continue (using regular output) on Open (Check) or Failure (Record).',
		},
		{
			name: 'Let Items Through',
			value: 'letThrough',
			description:
				"Check sends every item to Proceed and Record passes items on unrecorded, each with the store's error",
		},
	],
	default: 'fail',
};

/** An operation's Options collection, its options in alphabetical order as n8n's linter wants. */
export function optionsCollection(options: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [...options].sort((a, b) => a.displayName.localeCompare(b.displayName)),
	};
}
