import { z } from 'zod';

import type { JsonValue } from '../json';
import { isPlainObject } from '../json';

/*
 * The mapping as JSON: what a user pastes, references with an expression, or exports
 * to share one canonical model between workflows. Every object is strict, so a typo
 * ("curency") is an error that names it instead of an option silently ignored, and
 * every default is filled in, so an exported mapping says everything it does.
 */

export type MissingPolicy = 'skip' | 'null' | 'default' | 'error';

const MAX_JSON_DEPTH = 32;

function isJsonValue(value: unknown, depth = 0): value is JsonValue {
	if (depth > MAX_JSON_DEPTH) return false;
	if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
	if (typeof value === 'number') return Number.isFinite(value);
	if (Array.isArray(value)) return value.every((entry) => isJsonValue(entry, depth + 1));
	return (
		isPlainObject(value) && Object.values(value).every((entry) => isJsonValue(entry, depth + 1))
	);
}

const jsonValue = z.custom<JsonValue>((value) => value !== undefined && isJsonValue(value), {
	message: 'must be a JSON value',
});
/** The value map: an object, or its JSON text as the node's panel sends it. */
const jsonRecord = z.preprocess(
	(value) => (typeof value === 'string' ? parseJsonOrKeep(value) : value),
	z.custom<Record<string, JsonValue>>((value) => isPlainObject(value) && isJsonValue(value), {
		message:
			'must be a JSON object of source value → canonical value, e.g. { "AUTHORISED": "open" }',
	}),
);

function parseJsonOrKeep(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return text;
	}
}
const textRecord = z.custom<Record<string, string>>(
	(value) =>
		isPlainObject(value) && Object.values(value).every((entry) => typeof entry === 'string'),
	{ message: 'must be an object of symbol → currency code, e.g. { "$": "AUD" }' },
);
/** Optional text; blank counts as not given (the node's panel sends "" for an empty box). */
const optionalText = z
	.string()
	.max(1000)
	.nullable()
	.default(null)
	.transform((value) => (value === null || value.trim() === '' ? null : value.trim()));
const rounding = z.enum(['error', 'halfEven', 'halfUp']);
const missingPolicy = z.enum(['skip', 'null', 'default', 'error']);

const DATE_INPUTS = [
	'auto',
	'iso',
	'rfc2822',
	'sql',
	'unixSeconds',
	'unixMs',
	'dmy',
	'mdy',
	'ymd',
	'msJson',
	'custom',
] as const;
const DATE_OUTPUTS = ['iso', 'date', 'unixSeconds', 'unixMs', 'rfc2822', 'custom'] as const;

export const CONVERTER_OPTION_SCHEMAS = {
	copy: z.object({}).strict(),
	string: z
		.object({
			trim: z.boolean().default(true),
			case: z.enum(['keep', 'lower', 'upper', 'title']).default('keep'),
			collapseWhitespace: z.boolean().default(false),
			emptyToNull: z.boolean().default(false),
			maxLength: z.number().int().positive().nullable().default(null),
		})
		.strict(),
	number: z
		.object({
			decimals: z.number().int().min(0).max(20).nullable().default(null),
			rounding: rounding.default('halfUp'),
			output: z.enum(['number', 'text']).default('number'),
		})
		.strict(),
	boolean: z
		.object({
			output: z.enum(['boolean', 'number', 'pair']).default('boolean'),
			trueValue: jsonValue.default(true),
			falseValue: jsonValue.default(false),
		})
		.strict(),
	date: z
		.object({
			input: z.enum(DATE_INPUTS).default('auto'),
			inputFormat: optionalText,
			zone: optionalText,
			output: z.enum(DATE_OUTPUTS).default('iso'),
			outputFormat: optionalText,
			outputZone: z.string().min(1).max(100).default('UTC'),
			/** Filled in by the mapping's version: 'always' from version 2. */
			milliseconds: z.enum(['always', 'whenNonZero']).optional(),
			/** Filled in by the mapping's version: true from version 2. */
			keepWrittenDate: z.boolean().optional(),
		})
		.strict(),
	money: z
		.object({
			input: z.enum(['amount', 'minor']).default('amount'),
			currency: optionalText,
			currencyField: optionalText,
			output: z.enum(['minor', 'decimal', 'number', 'object', 'text']).default('minor'),
			/** Output 'minor' in Stripe's table (to send to Stripe) instead of ISO 4217's. */
			outputUnits: z.enum(['iso4217', 'stripe']).default('iso4217'),
			rounding: rounding.default('error'),
		})
		.strict(),
	phone: z
		.object({
			country: optionalText,
			format: z.enum(['e164', 'international', 'national', 'rfc3966']).default('e164'),
		})
		.strict(),
	email: z.object({ lowerCase: z.boolean().default(true) }).strict(),
	abn: z.object({ format: z.enum(['digits', 'formatted']).default('digits') }).strict(),
	acn: z.object({ format: z.enum(['digits', 'formatted']).default('digits') }).strict(),
	valueMap: z
		.object({
			map: jsonRecord,
			caseInsensitive: z.boolean().default(true),
			unmapped: z.enum(['error', 'default', 'keep']).default('error'),
			default: jsonValue.nullable().default(null),
		})
		.strict(),
} as const;

export type ConverterName = keyof typeof CONVERTER_OPTION_SCHEMAS;
export const CONVERTER_NAMES = Object.keys(CONVERTER_OPTION_SCHEMAS) as ConverterName[];

const fieldCommon = {
	/** Where the value goes in the output item: "invoice.total", "lines[*].amount". */
	target: z.string(),
	/** Where it comes from in the input item: "Total", "LineItems[*].UnitAmount". */
	source: z.string().optional(),
	/** A constant instead of a source, e.g. "xero" for a source-system field. */
	value: jsonValue.optional(),
	/**
	 * An n8n expression instead of a source, e.g. "{{ $json.first + ' ' + $json.last }}":
	 * the node evaluates it per item (the core only carries it).
	 */
	expression: z.string().min(1).max(10_000).optional(),
	/** Overrides the mapping's `missing` for this field. */
	missing: missingPolicy.optional(),
	/** The value for `missing: "default"`, used as is (not converted). */
	default: jsonValue.optional(),
};

const S = CONVERTER_OPTION_SCHEMAS;

const FIELD_SCHEMA = z.discriminatedUnion('convert', [
	z.object({ ...fieldCommon, convert: z.literal('copy'), options: S.copy.default({}) }).strict(),
	z
		.object({ ...fieldCommon, convert: z.literal('string'), options: S.string.default({}) })
		.strict(),
	z
		.object({ ...fieldCommon, convert: z.literal('number'), options: S.number.default({}) })
		.strict(),
	z
		.object({ ...fieldCommon, convert: z.literal('boolean'), options: S.boolean.default({}) })
		.strict(),
	z.object({ ...fieldCommon, convert: z.literal('date'), options: S.date.default({}) }).strict(),
	z.object({ ...fieldCommon, convert: z.literal('money'), options: S.money.default({}) }).strict(),
	z.object({ ...fieldCommon, convert: z.literal('phone'), options: S.phone.default({}) }).strict(),
	z.object({ ...fieldCommon, convert: z.literal('email'), options: S.email.default({}) }).strict(),
	z.object({ ...fieldCommon, convert: z.literal('abn'), options: S.abn.default({}) }).strict(),
	z.object({ ...fieldCommon, convert: z.literal('acn'), options: S.acn.default({}) }).strict(),
	// A value map has no sensible default map, so its options are required.
	z.object({ ...fieldCommon, convert: z.literal('valueMap'), options: S.valueMap }).strict(),
]);

const PROFILE_SCHEMA = z
	.object({
		dateOrder: z.enum(['auto', 'dayFirst', 'monthFirst']),
		zone: z.string().max(100),
		decimal: z.enum(['point', 'comma', 'auto']),
		currencySymbols: textRecord,
		defaultCurrency: z.string().max(10).nullable(),
		defaultCountry: z.string().max(10).nullable(),
		minorUnits: z.enum(['iso4217', 'stripe']),
		trueValues: z.array(z.string().max(100)).max(100),
		falseValues: z.array(z.string().max(100)).max(100),
	})
	.strict()
	.partial();

export const MAX_MAPPING_FIELDS = 1000;

/** The mapping versions: 2 is Canonical Transform 1.1's (see VERSION_DEFAULTS). */
export const MAPPING_VERSIONS = [1, 2] as const;
export type MappingVersion = (typeof MAPPING_VERSIONS)[number];

/**
 * What a mapping's version changes, where the mapping leaves it out. Version 2 (node
 * version 1.1): a missing value fails the item, ISO instants always carry milliseconds,
 * and a date-time written without an offset keeps its written date in a date output.
 */
export const VERSION_DEFAULTS = {
	1: { missing: 'skip', milliseconds: 'whenNonZero', keepWrittenDate: false },
	2: { missing: 'error', milliseconds: 'always', keepWrittenDate: true },
} as const satisfies Record<
	MappingVersion,
	{ missing: MissingPolicy; milliseconds: string; keepWrittenDate: boolean }
>;

const RAW_MAPPING_SCHEMA = z
	.object({
		version: z.union([z.literal(1), z.literal(2)]).default(1),
		/** A name for the model, e.g. "xero-invoice-to-canonical". */
		name: z.string().max(200).optional(),
		description: z.string().max(2000).optional(),
		profile: PROFILE_SCHEMA.default({}),
		/** Source fields no mapping reads: dropped, or kept at their own paths. */
		unmapped: z.enum(['drop', 'keep']).default('drop'),
		/** What a missing (absent, null, or for typed converters blank) source value becomes. */
		missing: missingPolicy.optional(),
		fields: z.array(FIELD_SCHEMA).min(1).max(MAX_MAPPING_FIELDS),
	})
	.strict();

export const MAPPING_SCHEMA = RAW_MAPPING_SCHEMA.transform((mapping) => {
	const defaults = VERSION_DEFAULTS[mapping.version];
	for (const field of mapping.fields) {
		if (field.convert !== 'date') continue;
		field.options.milliseconds ??= defaults.milliseconds;
		field.options.keepWrittenDate ??= defaults.keepWrittenDate;
	}
	return { ...mapping, missing: mapping.missing ?? defaults.missing };
});

/** A mapping as written (defaults may be left out). */
export type MappingInput = z.input<typeof MAPPING_SCHEMA>;
/** A checked mapping with every default filled in. */
export type MappingDefinition = z.output<typeof MAPPING_SCHEMA>;
export type FieldDefinition = MappingDefinition['fields'][number];
