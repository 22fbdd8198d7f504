import type { INodePropertyOptions } from 'n8n-workflow';

/** Shown inside a mapping row only for the chosen converter. */
export const whenConverter = (...converters: string[]) => ({ show: { convert: converters } });

/** How Money and Number round: the same three choices, each with its own default. */
export const ROUNDING_OPTIONS: INodePropertyOptions[] = [
	{
		name: "Half Even (Banker's Rounding)",
		value: 'halfEven',
		description: '2.345 → 2.34, 2.355 → 2.36',
	},
	{ name: 'Half Up', value: 'halfUp', description: '2.345 → 2.35 (halves away from zero)' },
	{
		name: 'Refuse Extra Decimals',
		value: 'error',
		description: 'A value with more decimals than allowed is an error',
	},
];
