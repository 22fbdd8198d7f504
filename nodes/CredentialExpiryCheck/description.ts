import type { INodeProperties } from 'n8n-workflow';

import { scopeProperty, storeProperty } from '../shared';

export const EXPIRY_STORES = ['embedded', 'redis', 'postgres'] as const;

const showFor = (source: string) => ({ show: { sources: [source] } });
const registerFromNode = { show: { sources: ['register'], registerSource: ['parameter'] } };
const registerFromInput = { show: { sources: ['register'], registerSource: ['input'] } };
const withMemory = { show: { alertMemory: [true] } };

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'].map(
	(name, index) => ({ name, value: index + 1, description: `${name} is a working day` }),
);

export const properties: INodeProperties[] = [
	{
		displayName: 'Sources',
		name: 'sources',
		type: 'multiOptions',
		required: true,
		options: [
			{
				// n8n is spelled in lowercase, which title case (the rule) cannot know.
				// eslint-disable-next-line n8n-nodes-base/node-param-display-name-miscased
				name: "This n8n's Credentials",
				value: 'n8nCredentials',
				description:
					'Every credential of this instance, through its public API: tested live, and checked against a rotation policy',
			},
			{
				name: 'Expiry Register',
				value: 'register',
				description:
					'Expiry dates n8n cannot see (refresh-token lifetimes, key rotation schedules, contract ends), given here or as input items',
			},
			{
				name: 'TLS Certificates',
				value: 'tls',
				description: 'The certificates endpoints present: expiry, issuer, names',
			},
			{
				name: 'Tokens',
				value: 'tokens',
				description:
					"From input items: a JWT's expiry claim, or expiry headers an API returned. The token is never output.",
			},
		],
		default: ['register'],
		description: 'What to check. Each checked credential becomes one item.',
	},

	// ------------------------------------------------------------ n8n credentials
	{
		displayName: 'Test Each Credential',
		name: 'testCredentials',
		type: 'boolean',
		default: true,
		displayOptions: showFor('n8nCredentials'),
		description:
			'Whether to run the credential test n8n runs behind the Test button, one credential at a time. A failed test routes the credential to Expired or Failing; when n8n\'s tester fails on its own side (e.g. "Node not found"), the credential is Unknown, not failing.',
	},
	{
		displayName: 'Rotate After (Days)',
		name: 'rotationDays',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		displayOptions: showFor('n8nCredentials'),
		description:
			'Flag credentials not updated for this many days. 0 turns the rotation policy off.',
	},
	{
		displayName: 'Only Credential Types',
		name: 'credentialTypes',
		type: 'string',
		default: '',
		placeholder: 'e.g. slackOAuth2Api, stripeApi',
		displayOptions: showFor('n8nCredentials'),
		description:
			'Comma-separated credential types to check. Leave empty to check every credential.',
	},

	// ------------------------------------------------------------ register
	{
		displayName: 'Register Source',
		name: 'registerSource',
		type: 'options',
		options: [
			{
				name: 'Defined Below',
				value: 'parameter',
				description: 'List the credentials in this node',
			},
			{
				name: 'From Input Items',
				value: 'input',
				description: 'One credential per input item, e.g. rows of a Data Table or a sheet',
			},
		],
		default: 'parameter',
		displayOptions: showFor('register'),
		description: 'Where the register of expiry dates comes from',
	},
	{
		displayName: 'Register',
		name: 'register',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Credential',
		default: {},
		displayOptions: registerFromNode,
		description: 'The credentials whose expiry n8n cannot see, one entry each',
		options: [
			{
				displayName: 'Credential',
				name: 'entries',
				values: [
					{
						displayName: 'Expires At',
						name: 'expiresAt',
						type: 'dateTime',
						default: '',
						description: 'When it expires. Without a time zone, in the Time Zone option.',
					},
					{
						displayName: 'Issued At',
						name: 'issuedAt',
						type: 'dateTime',
						default: '',
						description: 'When it was issued or last rotated. Enables the lifetime share rule.',
					},
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'e.g. Xero refresh token',
						description:
							'How the credential is named on its item and in reminders. Never a secret.',
					},
					{
						displayName: 'Owner',
						name: 'owner',
						type: 'string',
						default: '',
						placeholder: 'e.g. finance-ops@example.com',
						description: 'Who renews it, passed on with its item (optional)',
					},
					{
						displayName: 'Renewal Link',
						name: 'renewalLink',
						type: 'string',
						default: '',
						placeholder: 'e.g. https://developer.xero.com/app/manage',
						description:
							'Where to renew it, passed on with its item and in the calendar (optional)',
					},
				],
			},
		],
	},
	{
		displayName: 'Name Field',
		name: 'nameField',
		type: 'string',
		default: 'name',
		displayOptions: registerFromInput,
		description: 'Input field with the credential’s name',
	},
	{
		displayName: 'Expires At Field',
		name: 'expiresField',
		type: 'string',
		default: 'expiresAt',
		displayOptions: registerFromInput,
		description: 'Input field with the expiry: ISO 8601, a date, Unix seconds or milliseconds',
	},
	{
		displayName: 'Issued At Field',
		name: 'issuedField',
		type: 'string',
		default: 'issuedAt',
		displayOptions: registerFromInput,
		description: 'Input field with the issue or last rotation date (optional)',
	},
	{
		displayName: 'Owner Field',
		name: 'ownerField',
		type: 'string',
		default: 'owner',
		displayOptions: registerFromInput,
		description: 'Input field with who renews the credential (optional)',
	},
	{
		displayName: 'Renewal Link Field',
		name: 'renewalLinkField',
		type: 'string',
		default: 'renewalLink',
		displayOptions: registerFromInput,
		description: 'Input field with where to renew the credential (optional)',
	},

	// ------------------------------------------------------------ TLS
	{
		displayName: 'Endpoints',
		name: 'endpoints',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Endpoint',
		default: {},
		displayOptions: showFor('tls'),
		description: 'The TLS endpoints whose certificates to check, one entry each',
		options: [
			{
				displayName: 'Endpoint',
				name: 'entries',
				values: [
					{
						displayName: 'Host',
						name: 'host',
						type: 'string',
						default: '',
						placeholder: 'e.g. api.example.com',
						description: 'Host name or IP address to connect to',
					},
					{
						displayName: 'Owner',
						name: 'owner',
						type: 'string',
						default: '',
						description: 'Who renews the certificate, passed on with its item (optional)',
					},
					{
						displayName: 'Port',
						name: 'port',
						type: 'number',
						default: 443,
						description: 'TCP port that speaks TLS',
					},
					{
						displayName: 'Renewal Link',
						name: 'renewalLink',
						type: 'string',
						default: '',
						description: 'Where to renew the certificate, passed on with its item (optional)',
					},
					{
						displayName: 'Server Name',
						name: 'serverName',
						type: 'string',
						default: '',
						description:
							'Name to ask for (SNI) when it differs from the host. Leave empty to use the host.',
					},
				],
			},
		],
	},

	// ------------------------------------------------------------ tokens
	{
		displayName: 'JWT Field',
		name: 'jwtField',
		type: 'string',
		default: 'token',
		displayOptions: showFor('tokens'),
		description:
			'Input field holding a JWT (with or without "Bearer "). Its expiry is read; the token is never output.',
	},
	{
		displayName: 'Headers Field',
		name: 'headersField',
		type: 'string',
		default: 'headers',
		displayOptions: showFor('tokens'),
		description:
			'Input field holding response headers (HTTP Request with "Include Response Headers and Status")',
	},
	{
		displayName: 'Credential Name Field',
		name: 'credentialNameField',
		type: 'string',
		default: 'name',
		displayOptions: showFor('tokens'),
		description: 'Input field that names the credential the token belongs to',
	},

	// ------------------------------------------------------------ alerts
	{
		displayName: 'Remember Alerts',
		name: 'alertMemory',
		type: 'boolean',
		default: true,
		description:
			'Whether to alert on the same credential at the same status at most once per alert window. Each item gets "alert": true the first time, false after, so an IF node can send only new alerts. Every credential checked is recorded in the store too (name, kind, expiry date; never a secret), for Guards Status. If the store cannot be reached the node fails naming it; under On Error: Continue every item leaves on the error output (or on Attention, with the error), none on OK.',
	},
	{ ...storeProperty([...EXPIRY_STORES]), displayOptions: withMemory },
	{ ...scopeProperty('e.g. credential-alerts'), displayOptions: withMemory },

	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		description: 'Thresholds, reminders, calendar and timeouts',
		options: [
			{
				displayName: 'Alert Window (Hours)',
				name: 'alertWindowHours',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 24,
				description: 'A credential alerts again at the same status only after this long',
			},
			{
				displayName: 'Attach Calendar',
				name: 'attachCalendar',
				type: 'boolean',
				default: false,
				description:
					'Whether to attach an .ics calendar with one event per renewal date, with reminders, to every output item (the same file)',
			},
			{
				displayName: 'Calendar Property',
				name: 'calendarProperty',
				type: 'string',
				default: 'calendar',
				description: 'Binary property that carries the calendar',
			},
			{
				displayName: 'Critical Within (Days)',
				name: 'criticalDays',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 3,
				description: 'Status critical when at most this many days are left',
			},
			{
				displayName: 'Expiry Headers',
				name: 'expiryHeaders',
				type: 'string',
				default:
					'github-authentication-token-expiration, x-api-key-expires, x-api-key-expiration, x-token-expires, x-token-expires-at, x-expires-at, sunset',
				description: 'Comma-separated response headers that carry an expiry date (Tokens source)',
			},
			{
				displayName: 'Lifetime Share (%)',
				name: 'lifetimeSharePercent',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 100 },
				default: 67,
				description:
					'Status due soon once this share of the lifetime has passed (cert-manager renews at two thirds). Needs the issue date. 0 turns it off.',
			},
			{
				displayName: 'Remind At (Hour)',
				name: 'remindAtHour',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 23 },
				default: 9,
				description: 'Hour of the day of reminders and calendar alarms, in the time zone',
			},
			{
				displayName: 'Reminder Lead Time (Days)',
				name: 'leadDays',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 7,
				description:
					'Remind this many days before the renewal date; a reminder on a non-working day moves to the working day before',
			},
			{
				displayName: 'Time Zone',
				name: 'timeZone',
				type: 'string',
				default: '',
				placeholder: 'e.g. Europe/Berlin',
				description:
					"Zone of renewal and reminder dates, and of register dates written without an offset. Leave empty for the workflow's time zone.",
			},
			{
				displayName: 'Timeout (Seconds)',
				name: 'timeoutSeconds',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 30,
				description:
					"Hard deadline of each call to n8n's API (the credential list, each credential test), the whole answer included",
			},
			{
				displayName: 'TLS Timeout (Seconds)',
				name: 'tlsTimeoutSeconds',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 10,
				description: 'How long to wait for an endpoint to connect and present its certificate',
			},
			{
				displayName: 'Untrusted Certificates Are Failing',
				name: 'untrustedFails',
				type: 'boolean',
				default: false,
				description:
					'Whether a certificate that does not verify (self-signed, unknown issuer, wrong name) counts as failing. Otherwise it is reported with "trusted": false.',
			},
			{
				displayName: 'Warning Within (Days)',
				name: 'warningDays',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 14,
				description: 'Status due soon when at most this many days are left',
			},
			{
				displayName: 'Working Days',
				name: 'workingDays',
				type: 'multiOptions',
				options: WEEKDAYS,
				default: [1, 2, 3, 4, 5],
				description:
					'Days a person can renew a credential. Renewal dates and reminders that fall on other days move to the working day before.',
			},
		],
	},
];
