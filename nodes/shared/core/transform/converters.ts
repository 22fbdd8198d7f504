import type { JsonValue } from '../json';
import { parsePath, readPath, type PathSegment } from '../paths';
import { compileBoolean } from './boolean';
import { compileDate } from './date';
import { ConversionError, OptionError } from './errors';
import { compileAbn, compileAcn } from './identifiers';
import { compileMoney } from './money';
import { compileNumber } from './number';
import { compilePhone } from './phone';
import type { SourceProfile } from './profile';
import type { FieldDefinition } from './schema';
import { compileEmail, compileString } from './text';
import { compileValueMap } from './valueMap';

/**
 * One field's compiled converter. `item` is the whole input item and `indices` the list
 * positions of a `[*]` source, for converters that read a second field (money's
 * currency field).
 */
export type FieldConverter = (
	value: unknown,
	item: unknown,
	indices: readonly number[],
) => JsonValue;

export interface CompiledConverter {
	convert: FieldConverter;
	/** Blank text counts as missing for typed converters; String and Copy keep it. */
	blankIsMissing: boolean;
}

/** Compiles the converter of one mapping entry; bad options throw OptionError. */
export function compileConverter(
	field: FieldDefinition,
	profile: SourceProfile,
	sourceLists: number,
): CompiledConverter {
	const typed = (convert: (value: unknown) => JsonValue): CompiledConverter => ({
		convert: (value) => convert(value),
		blankIsMissing: true,
	});
	switch (field.convert) {
		case 'copy':
			return { convert: copyValue, blankIsMissing: false };
		case 'string':
			return { convert: compileString(field.options), blankIsMissing: false };
		case 'number':
			return typed(compileNumber(field.options, profile));
		case 'boolean':
			return typed(compileBoolean(field.options, profile));
		case 'date':
			return typed(compileDate(field.options, profile));
		case 'phone':
			return typed(compilePhone(field.options, profile));
		case 'email':
			return typed(compileEmail(field.options));
		case 'abn':
			return typed(compileAbn(field.options));
		case 'acn':
			return typed(compileAcn(field.options));
		case 'valueMap':
			return typed(compileValueMap(field.options));
		case 'money': {
			const convert = compileMoney(field.options, profile);
			const currencyPath =
				field.options.currencyField === null
					? null
					: currencyFieldPath(field.options.currencyField, sourceLists);
			if (currencyPath === null)
				return { convert: (value) => convert(value, undefined), blankIsMissing: true };
			return {
				convert: (value, item, indices) =>
					convert(value, readPath(item, bindIndices(currencyPath, indices))),
				blankIsMissing: true,
			};
		}
	}
}

function currencyFieldPath(path: string, sourceLists: number): PathSegment[] {
	let segments: PathSegment[];
	try {
		segments = parsePath(path);
	} catch (error) {
		throw new OptionError(
			'options.currencyField',
			(error as Error).message.replace(/^Path /, 'path '),
			'Give the path of the field with the currency code, e.g. "CurrencyCode".',
		);
	}
	const lists = segments.filter((segment) => typeof segment === 'symbol').length;
	if (lists > sourceLists) {
		throw new OptionError(
			'options.currencyField',
			`has ${lists} [*] but the source has ${sourceLists}`,
			'Use [*] in the currency field only where the source has it, e.g. "Lines[*].Currency" with source "Lines[*].Amount".',
		);
	}
	return segments;
}

/** A path with its `[*]` replaced, in order, by the list positions of the value being converted. */
export function bindIndices(
	segments: readonly PathSegment[],
	indices: readonly number[],
): PathSegment[] {
	let next = 0;
	return segments.map((segment) =>
		typeof segment === 'symbol' ? (indices[next++] ?? segment) : segment,
	);
}

/** Copy: the value as it is, deep-copied so output items never share objects with the input. */
function copyValue(value: unknown): JsonValue {
	if (value === null || typeof value !== 'object') return value as JsonValue;
	try {
		return structuredClone(value) as JsonValue;
	} catch {
		throw new ConversionError(
			'cannot be copied (it is not plain data)',
			'Map a field that holds JSON data.',
		);
	}
}
