import type { INodeProperties } from 'n8n-workflow';

import { whenConverter } from './converter';

/** A mapping row's settings for Convert As: Date / Time. */
export const DATE_FIELDS: INodeProperties[] = [
	{
		displayName: 'Input Format',
		name: 'dateInput',
		type: 'options',
		options: [
			{
				name: 'Auto-Detect',
				value: 'auto',
				description:
					'Try every format; an ambiguous value such as 03/04/2025 is an error, never a guess',
			},
			{ name: 'Custom', value: 'custom', description: 'Luxon format tokens' },
			{
				name: 'DD/MM/YYYY',
				value: 'dmy',
				description: 'Also 04-03-2025 or 04.03.2025, with an optional time',
			},
			{ name: 'ISO 8601', value: 'iso', description: 'E.g. 2025-03-04T10:00:00+11:00.' },
			{
				name: 'Microsoft JSON Date',
				value: 'msJson',
				description: '/Date(1741046400000+0000)/, as Xero and older .NET APIs send',
			},
			{
				name: 'MM/DD/YYYY',
				value: 'mdy',
				description: 'Also 03-04-2025 or 03.04.2025, with an optional time',
			},
			{ name: 'RFC 2822', value: 'rfc2822', description: 'E.g. Tue, 04 Mar 2025 10:00:00 +0000.' },
			{ name: 'SQL', value: 'sql', description: 'E.g. 2025-03-04 10:00:00.' },
			{ name: 'Unix Milliseconds', value: 'unixMs' },
			{ name: 'Unix Seconds', value: 'unixSeconds' },
			{
				name: 'YYYY/MM/DD',
				value: 'ymd',
				description: 'Also 2025-03-04 or 2025.03.04, with an optional time',
			},
		],
		default: 'auto',
		description: 'How the source writes this date',
		displayOptions: whenConverter('date'),
	},
	{
		displayName: 'Custom Input Format',
		name: 'dateInputFormat',
		type: 'string',
		default: '',
		placeholder: 'e.g. dd MMM yyyy HH:mm',
		description: 'Luxon format tokens; month names are read in English',
		displayOptions: { show: { convert: ['date'], dateInput: ['custom'] } },
	},
	{
		displayName: 'Input Time Zone',
		name: 'dateZone',
		type: 'string',
		default: '',
		placeholder: 'e.g. Australia/Sydney',
		description:
			"Zone of values written without an offset. Empty uses the source profile's time zone (UTC unless set) — never the server's.",
		displayOptions: whenConverter('date'),
	},
	{
		displayName: 'Output Format',
		name: 'dateOutput',
		type: 'options',
		options: [
			{ name: 'Custom', value: 'custom', description: 'Luxon format tokens' },
			{ name: 'Date Only (YYYY-MM-DD)', value: 'date' },
			{ name: 'ISO 8601', value: 'iso', description: 'E.g. 2025-03-04T10:00:00Z.' },
			{ name: 'RFC 2822', value: 'rfc2822' },
			{ name: 'Unix Milliseconds', value: 'unixMs' },
			{ name: 'Unix Seconds', value: 'unixSeconds' },
		],
		default: 'iso',
		description: 'How to write the date in the output',
		displayOptions: whenConverter('date'),
	},
	{
		displayName: 'Custom Output Format',
		name: 'dateOutputFormat',
		type: 'string',
		default: '',
		placeholder: 'e.g. dd/MM/yyyy',
		description: 'Luxon format tokens; month names are written in English',
		displayOptions: { show: { convert: ['date'], dateOutput: ['custom'] } },
	},
	{
		displayName: 'Output Time Zone',
		name: 'dateOutputZone',
		type: 'string',
		default: 'UTC',
		placeholder: 'e.g. UTC or Australia/Sydney',
		description: 'Zone the output is written in; a date-only output is the date in this zone',
		displayOptions: {
			show: { convert: ['date'], dateOutput: ['iso', 'date', 'rfc2822', 'custom'] },
		},
	},
];
