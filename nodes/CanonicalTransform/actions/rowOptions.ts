import type { INodeProperties } from 'n8n-workflow';

import { BOOLEAN_FIELDS } from './booleanFields';
import { DATE_FIELDS } from './dateFields';
import { CONVERT_AS, SOURCE_FIELD, TARGET_FIELD } from './fieldValues';
import { MONEY_FIELDS } from './moneyFields';
import { NUMBER_FIELDS } from './numberFields';
import { OTHER_FIELDS } from './otherFields';

/*
 * Version 1.2's mapping row: Target Field, Value From (Field or Fixed Value), Source Field
 * or Value, Convert As, and one Options collection per converter holding that
 * converter's settings and If Missing. A new row shows four settings; version 1.1 showed
 * every setting of the chosen converter (up to eleven for Text).
 *
 * The options keep the parameter names of the version 1.1 row (dateInput, moneyOutput,
 * missing…), so one adapter (parameters.ts) reads both: it lifts a 1.2 row's Options onto
 * the row. A setting not added is the converter's default, as the 1.1 row's default
 * was; Decimal Places and Max Length, once added, round and limit (noted below).
 */

const CONVERTER_SETTINGS = [
	...DATE_FIELDS,
	...MONEY_FIELDS,
	...NUMBER_FIELDS,
	...BOOLEAN_FIELDS,
	...OTHER_FIELDS,
];

/** A 1.1 row setting as an option of a 1.2 Options collection: the same name and choices, without the Convert As rule. */
function asOption(name: string, changes: Partial<INodeProperties> = {}): INodeProperties {
	const setting = CONVERTER_SETTINGS.find((property) => property.name === name);
	if (setting === undefined) throw new Error(`No Canonical Transform row setting "${name}"`);
	const { displayOptions, ...rest } = setting;
	const show = { ...displayOptions?.show };
	delete show.convert;
	const option: INodeProperties = { ...rest, ...changes };
	if (changes.displayOptions === undefined && Object.keys(show).length > 0)
		option.displayOptions = { show };
	return option;
}

/** If Missing and its Default Value, offered for every converter. */
const MISSING_OPTIONS: INodeProperties[] = [
	{
		displayName: 'Default Value',
		name: 'defaultValue',
		type: 'string',
		default: '',
		placeholder: 'e.g. 0 or "unknown"',
		description:
			'Written when the value is missing, as is (not converted). Text that is JSON (0, true, null, "text", {…}) is read as JSON.',
		displayOptions: { show: { missing: ['default'] } },
	},
	{
		displayName: 'If Missing',
		name: 'missing',
		type: 'options',
		options: [
			{ name: 'Error', value: 'error', description: 'The item goes to the error output' },
			{ name: 'Set Null', value: 'null', description: 'Write null to the target' },
			{ name: 'Skip Field', value: 'skip', description: 'Leave the target out' },
			{ name: 'Use Default Value', value: 'default', description: 'Write the Default Value' },
		],
		default: 'skip',
		description:
			"What to do when the value is absent, null or (except for Text and Copy As Is) blank. Without this option, Missing Values under the node's Options decides (Error unless changed).",
	},
];

/** Options collections are listed by display name, as n8n's panel lists them. */
const byName = (options: INodeProperties[]) =>
	[...options].sort((a, b) => a.displayName.localeCompare(b.displayName));

/** The settings of each converter, in its Options collection. */
const CONVERTER_OPTIONS: Record<string, INodeProperties[]> = {
	abn: [asOption('identifierFormat')],
	acn: [asOption('identifierFormat')],
	boolean: [asOption('booleanOutput'), asOption('trueValue'), asOption('falseValue')],
	copy: [],
	date: [
		asOption('dateInput'),
		asOption('dateInputFormat'),
		asOption('dateZone'),
		asOption('dateOutput'),
		asOption('dateOutputFormat'),
		// Shown unless Output Format is Unix, also while Output Format is not added (ISO 8601).
		asOption('dateOutputZone', {
			displayOptions: { hide: { dateOutput: ['unixSeconds', 'unixMs'] } },
		}),
	],
	email: [asOption('emailLowerCase')],
	money: [
		asOption('moneyInput'),
		asOption('currency'),
		asOption('currencyField'),
		asOption('moneyOutput'),
		// Shown while Output is Minor Units, also while Output is not added (Minor Units).
		asOption('moneyOutputUnits', {
			displayOptions: { hide: { moneyOutput: ['object', 'number', 'decimal', 'text'] } },
		}),
		asOption('moneyRounding'),
	],
	number: [
		// Added, it rounds: no "-1 keeps the value" as in the 1.1 row.
		asOption('numberDecimals', {
			typeOptions: { minValue: 0, maxValue: 20 },
			default: 2,
			description: 'Round to this many decimal places. Without this option the value is kept.',
		}),
		asOption('numberRounding'),
		asOption('numberOutput'),
	],
	phone: [asOption('phoneCountry'), asOption('phoneFormat')],
	string: [
		asOption('textCase'),
		asOption('collapseWhitespace'),
		asOption('emptyToNull'),
		// Added, it limits: no "0 for no limit" as in the 1.1 row.
		asOption('maxLength', {
			typeOptions: { minValue: 1 },
			default: 255,
			description:
				'Longer text is an error, not cut short. Without this option the length is not limited.',
		}),
		asOption('textTrim'),
	],
	valueMap: [asOption('caseInsensitive'), asOption('unmappedValue'), asOption('valueMapDefault')],
};

/** Convert As of the 1.1 row; here no expression, as each converter has its own Options. */
const CONVERT_AS_V12: INodeProperties = {
	...CONVERT_AS,
	noDataExpression: true,
	description:
		'How to read, check and write the value. Each converter has its own settings under Options.',
};

/** One row of Fields from version 1.2. */
export const FIELD_VALUES_V12: INodeProperties[] = [
	TARGET_FIELD,
	{
		displayName: 'Value From',
		name: 'valueFrom',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Field',
				value: 'field',
				description: 'A field of the input item, or an expression',
			},
			{
				name: 'Fixed Value',
				value: 'constant',
				description: 'The same value for every item, e.g. the source system "xero"',
			},
		],
		default: 'field',
		description: 'Whether the value comes from the input item or is the same for every item',
	},
	SOURCE_FIELD,
	{
		displayName: 'Value',
		name: 'constantValue',
		type: 'string',
		default: '',
		placeholder: 'e.g. xero',
		description:
			'Written for every item, converted like a source value. Text that is JSON (0, true, null, {…}) is read as JSON; put text such as "0" in quotes.',
		displayOptions: { show: { valueFrom: ['constant'] } },
	},
	CONVERT_AS_V12,
	// The map is what a Value Map converts by, not a setting: it stays on the row.
	{
		...OTHER_FIELDS.find((property) => property.name === 'valueMap')!,
		displayOptions: { show: { convert: ['valueMap'] } },
	},
	...Object.entries(CONVERTER_OPTIONS).map(
		([convert, options]): INodeProperties => ({
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			description:
				'Settings of this converter, and what a missing value becomes. Those not added keep their defaults.',
			displayOptions: { show: { convert: [convert] } },
			options: byName([...options, ...MISSING_OPTIONS]),
		}),
	),
];
