import type { IExecuteFunctions, NodeExecutionHint, NodeParameterValueType } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { describeValue, isSettingsError, type SettingsError } from '../core/errors/settings';
import { FORBIDDEN_KEYS } from '../core/paths';

/**
 * The one layer that reads a node's parameters. Every node reads an option through
 * these, so a field name is trimmed and checked the same way everywhere, a number says
 * its unit and bounds the same way, and a configuration error names the parameter
 * (never "item 0": bad configuration is nobody's item).
 */

/** Whether a raw parameter value is an expression (`=…`). */
export function isExpressionValue(value: unknown): value is string {
	return typeof value === 'string' && value.startsWith('=');
}

/** Whether a parameter is an expression, so it can differ per item and is read per item. */
export function isExpression(context: IExecuteFunctions, parameter: string): boolean {
	return isExpressionValue(context.getNodeParameter(parameter, 0, '', { rawExpressions: true }));
}

/**
 * A parameter read once per execution when it is a plain value, per item when it is an
 * expression (DESIGN: an expression costs about 480 µs per item, a plain value nothing).
 */
export function readOnceOrPerItem<T>(
	context: IExecuteFunctions,
	parameter: string,
	read: (itemIndex: number) => T,
): (itemIndex: number) => T {
	if (isExpression(context, parameter)) return read;
	const once = read(0);
	return () => once;
}

/**
 * The options of a collection parameter (Options, Request Options …), read once per
 * execution: `const option = optionsOf(context); option('outputField', 'guard')`.
 */
export function optionsOf(
	context: IExecuteFunctions,
	collection = 'options',
): <Value>(name: string, fallback: Value) => Widened<Value> {
	return <Value>(name: string, fallback: Value) =>
		context.getNodeParameter(`${collection}.${name}`, 0, fallback) as Widened<Value>;
}

/** `true` read as `boolean`, `'full'` as `string`: a saved option may hold another value than the default. */
type Widened<Value> = Value extends boolean
	? boolean
	: Value extends string
		? string
		: Value extends number
			? number
			: Value;

/**
 * A configuration error: names the parameter by its label and says how to fix it. No
 * item index, since no item caused it; fails before any item is routed.
 */
export function configError(
	context: IExecuteFunctions,
	label: string,
	problem: string,
	fix: string,
): NodeOperationError {
	return operationError(context, `${label} ${problem}`, { description: fix });
}

/**
 * A NodeOperationError whose message is kept as written. NodeOperationError swaps
 * messages that mention ECONNREFUSED and the like for a generic "The service refused the
 * connection"; ours name the store, host or vendor, which is what the user needs.
 */
export function operationError(
	context: IExecuteFunctions,
	message: string,
	options: { description?: string; itemIndex?: number } = {},
): NodeOperationError {
	const error = new NodeOperationError(context.getNode(), message, options);
	error.message = message;
	return error;
}

/**
 * A core settings error as a parameter error: the option's key becomes the parameter's
 * label (`labels`, falling back to the key), with what is wrong (the error's own `problem`,
 * else the value out of range) and what it accepts. Any other error passes through unchanged.
 */
export function toParameterError<Option extends string>(
	context: IExecuteFunctions,
	error: unknown,
	labels: Partial<Record<Option, string>>,
): unknown {
	if (!isSettingsError(error)) return error;
	const settings = error as SettingsError<Option>;
	const label = labels[settings.option] ?? settings.option;
	return configError(
		context,
		label,
		settings.problem ?? `is out of range: ${describeValue(settings.value)}`,
		`It must be ${settings.expected}.`,
	);
}

/** Runs a core function that checks settings, turning its settings errors into parameter errors. */
export function withParameterLabels<T, Option extends string>(
	context: IExecuteFunctions,
	labels: Partial<Record<Option, string>>,
	run: () => T,
): T {
	try {
		return run();
	} catch (error) {
		throw toParameterError(context, error, labels);
	}
}

/**
 * A field name the node reads or writes on items (Output Field, Correlation ID Field):
 * trimmed, the default when empty, and never `__proto__`, `constructor` or `prototype`,
 * which would set an object's prototype instead of a field.
 */
export function fieldNameOption(
	context: IExecuteFunctions,
	parameter: string,
	label: string,
	fallback: string,
): string {
	const raw = context.getNodeParameter(parameter, 0, fallback) as NodeParameterValueType;
	const name = (typeof raw === 'string' ? raw.trim() : '') || fallback;
	return checkFieldName(context, name, label);
}

/** `fieldNameOption` for a name read some other way (per item, from a list). */
export function checkFieldName(context: IExecuteFunctions, name: string, label: string): string {
	if (FORBIDDEN_KEYS.has(name)) {
		throw configError(
			context,
			label,
			`cannot be "${name}"`,
			'Choose another field name: this one would not be written to the item.',
		);
	}
	return name;
}

export interface NumberBounds {
	min?: number;
	/** The minimum itself is refused (a duration that must be more than 0). */
	minExclusive?: boolean;
	max?: number;
	integer?: boolean;
	/** The unit as the label says it ("seconds"), for the error. */
	unit?: string;
	/** What 0 means, when it means something ("0 waits as long as needed"). */
	zero?: string;
}

/** A number parameter, checked against its bounds; the error says the range and the unit. */
export function numberParameter(
	context: IExecuteFunctions,
	parameter: string,
	label: string,
	fallback: number,
	bounds: NumberBounds = {},
): number {
	const value = context.getNodeParameter(parameter, 0, fallback);
	return checkNumber(context, value, label, bounds);
}

/** `numberParameter` for a value read some other way (per item, from a collection). */
export function checkNumber(
	context: IExecuteFunctions,
	value: unknown,
	label: string,
	bounds: NumberBounds = {},
): number {
	const { min, max, minExclusive = false, integer = false } = bounds;
	const fits =
		typeof value === 'number' &&
		Number.isFinite(value) &&
		(!integer || Number.isInteger(value)) &&
		(min === undefined || (minExclusive ? value > min : value >= min)) &&
		(max === undefined || value <= max);
	if (!fits) {
		throw configError(
			context,
			label,
			`is out of range: ${describeValue(value)}`,
			`Use ${describeBounds(bounds)}.`,
		);
	}
	return value;
}

/** "a whole number of seconds from 1 to 60", "a number of at least 0 (0 waits as long as needed)". */
export function describeBounds(bounds: NumberBounds): string {
	const { min, max, minExclusive = false, integer = false, unit, zero } = bounds;
	let text = `${integer ? 'a whole number' : 'a number'}${unit ? ` of ${unit}` : ''}`;
	if (min !== undefined && max !== undefined && !minExclusive) text += ` from ${min} to ${max}`;
	else {
		if (min !== undefined) text += minExclusive ? ` above ${min}` : ` of at least ${min}`;
		if (max !== undefined) text += `${min !== undefined ? ' and' : ''} at most ${max}`;
	}
	return zero ? `${text} (${zero})` : text;
}

/** A name the user gives shared state (a limiter, a budget): trimmed, not empty, not too long. */
export function nameParameter(
	context: IExecuteFunctions,
	parameter: string,
	label: string,
	options: { example: string; maxLength?: number; fallback?: string },
): string {
	const { example, maxLength = 200, fallback = '' } = options;
	const raw = context.getNodeParameter(parameter, 0, fallback);
	const name = typeof raw === 'string' ? raw.trim() : '';
	if (name === '' || name.length > maxLength) {
		throw configError(
			context,
			label,
			name === '' ? 'is empty' : `is longer than ${maxLength} characters`,
			`Name it after the vendor or account it is for, e.g. "${example}", the same in every workflow that shares it.`,
		);
	}
	return name;
}

/** A hint shown above the node's output in the panel: something the user should know, not an error. */
export function hint(message: string, type: NodeExecutionHint['type'] = 'info'): NodeExecutionHint {
	return { message, type, location: 'outputPane' };
}
