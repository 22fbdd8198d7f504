import type { IDataObject } from 'n8n-workflow';

import { transform } from '../../shared';

/**
 * The node's panel (Fields, Source Profile, Options) as a mapping in the JSON form the
 * core compiles and exports. Only shaping happens here: every check is the core's, so a
 * mapping built in the panel and one pasted as JSON fail the same way.
 */
export function mappingFromParameters(
	rows: IDataObject[],
	profile: IDataObject,
	options: IDataObject,
	/** Rows whose Source Field is an expression: their values come per item, not from a path. */
	expressionSources: ReadonlySet<number>,
	/** The mapping version of the node's version: 1 for 1, 2 for 1.1. */
	version: transform.MappingVersion,
	/** Mapping From: Vendor Preset: the preset, with the rows as its edits. */
	preset?: { source: string; model: string; remove: string },
): Record<string, unknown> {
	const fields = rows.map((row, index) =>
		fieldFromRow(withRowOptions(row), expressionSources.has(index)),
	);
	const mapping: Record<string, unknown> =
		preset === undefined
			? { profile: profileFromParameters(profile), fields }
			: transform.presetMapping(preset.source, preset.model, {
					fields: fields as transform.MappingInput['fields'],
					profile: profileFromParameters(profile),
					remove: transform.parseWordList(preset.remove),
				});
	mapping.version = version;
	mapping.unmapped = options.unmapped ?? 'drop';
	// Left out, the mapping's version decides: skip in version 1, error from version 2.
	if (options.missing !== undefined) mapping.missing = options.missing;
	const name = text(options.mappingName);
	if (name !== null) mapping.name = name;
	return mapping;
}

function profileFromParameters(profile: IDataObject): Record<string, unknown> {
	const result: Record<string, unknown> = {};
	if (profile.dateOrder !== undefined) result.dateOrder = profile.dateOrder;
	if (profile.zone !== undefined) result.zone = text(profile.zone) ?? 'UTC';
	if (profile.decimal !== undefined) result.decimal = profile.decimal;
	if (text(profile.currencySymbols) !== null)
		result.currencySymbols = transform.parseCurrencySymbolList(String(profile.currencySymbols));
	if (profile.defaultCurrency !== undefined) result.defaultCurrency = text(profile.defaultCurrency);
	if (profile.defaultCountry !== undefined) result.defaultCountry = text(profile.defaultCountry);
	if (profile.minorUnits !== undefined) result.minorUnits = profile.minorUnits;
	if (profile.trueValues !== undefined)
		result.trueValues = transform.parseWordList(String(profile.trueValues));
	if (profile.falseValues !== undefined)
		result.falseValues = transform.parseWordList(String(profile.falseValues));
	return result;
}

/**
 * A version 1.2 row keeps its converter's settings and If Missing in Options, under the
 * names a version 1 or 1.1 row has them on the row itself: lifted, one reader serves both.
 */
function withRowOptions(row: IDataObject): IDataObject {
	const { options, ...rest } = row;
	if (options === null || typeof options !== 'object' || Array.isArray(options)) return row;
	return { ...rest, ...(options as IDataObject) };
}

function fieldFromRow(row: IDataObject, expressionSource: boolean): Record<string, unknown> {
	const convert = row.convert ?? 'copy';
	const field: Record<string, unknown> = {
		target: typeof row.target === 'string' ? row.target.trim() : row.target,
		convert,
	};
	if (row.valueFrom === 'constant') field.value = looseJson(row.constantValue);
	else if (!expressionSource)
		field.source = typeof row.source === 'string' ? row.source.trim() : row.source;
	field.options = converterOptions(String(convert), row);
	if (row.missing !== undefined && row.missing !== 'inherit') field.missing = row.missing;
	if (row.missing === 'default') field.default = looseJson(row.defaultValue);
	return field;
}

/** The panel's fields for one converter, under the option names of the mapping JSON. */
function converterOptions(convert: string, row: IDataObject): Record<string, unknown> {
	switch (convert) {
		case 'date':
			return definedOnly({
				input: row.dateInput,
				inputFormat: row.dateInputFormat,
				zone: row.dateZone,
				output: row.dateOutput,
				outputFormat: row.dateOutputFormat,
				outputZone: text(row.dateOutputZone) ?? undefined,
			});
		case 'money':
			return definedOnly({
				input: row.moneyInput,
				currency: row.currency,
				currencyField: row.currencyField,
				output: row.moneyOutput,
				// Output not given (a 1.2 row without it) is the converter's default, Minor Units.
				outputUnits: (row.moneyOutput ?? 'minor') === 'minor' ? row.moneyOutputUnits : undefined,
				rounding: row.moneyRounding,
			});
		case 'number':
			return definedOnly({
				decimals:
					typeof row.numberDecimals === 'number' && row.numberDecimals < 0
						? null
						: row.numberDecimals,
				rounding: row.numberRounding,
				output: row.numberOutput,
			});
		case 'boolean':
			// A pair of values is Y and N until set (a 1.1 row always has them; a 1.2 row when added).
			return definedOnly({
				output: row.booleanOutput,
				trueValue: row.trueValue ?? (row.booleanOutput === 'pair' ? 'Y' : undefined),
				falseValue: row.falseValue ?? (row.booleanOutput === 'pair' ? 'N' : undefined),
			});
		case 'phone':
			return definedOnly({ country: row.phoneCountry, format: row.phoneFormat });
		case 'abn':
		case 'acn':
			return definedOnly({ format: row.identifierFormat });
		case 'string':
			return definedOnly({
				trim: row.textTrim,
				case: row.textCase,
				collapseWhitespace: row.collapseWhitespace,
				emptyToNull: row.emptyToNull,
				maxLength: typeof row.maxLength === 'number' && row.maxLength <= 0 ? null : row.maxLength,
			});
		case 'email':
			return definedOnly({ lowerCase: row.emailLowerCase });
		case 'valueMap':
			return definedOnly({
				map: row.valueMap,
				caseInsensitive: row.caseInsensitive,
				unmapped: row.unmappedValue,
				default: row.unmappedValue === 'default' ? looseJson(row.valueMapDefault) : undefined,
			});
		default:
			return {};
	}
}

/** Text typed in the panel as JSON when it is JSON (0, true, null, "x", {…}), else as the text itself. */
export function looseJson(value: unknown): unknown {
	if (typeof value !== 'string') return value ?? null;
	const trimmed = value.trim();
	if (trimmed === '') return '';
	try {
		return JSON.parse(trimmed) as unknown;
	} catch {
		return value;
	}
}

function text(value: unknown): string | null {
	return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function definedOnly(values: Record<string, unknown>): Record<string, unknown> {
	const result: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(values)) if (value !== undefined) result[key] = value;
	return result;
}
