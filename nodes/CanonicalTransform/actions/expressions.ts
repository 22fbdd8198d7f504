import type { IDataObject } from 'n8n-workflow';

import { isExpressionValue } from '../../shared';

/**
 * An expression that reads the current item can differ per item and is evaluated per
 * item (about 0.5 ms each in n8n 2.40); any other expression is evaluated once.
 */
export const ITEM_REFERENCE =
	/\$json\b|\$binary\b|\$itemIndex\b|\$position\b|\$data\b|\$item\b|\$node\b|\.item\b/;

export interface ExpressionParameter {
	/** The parameter path getNodeParameter takes, e.g. "mappings.field[2].currency". */
	name: string;
	/** Which raw parameter it is in, and where in it. */
	root: keyof PanelParameters;
	segments: Array<string | number>;
	perItem: boolean;
}

/** The panel's parameters as read with rawExpressions, expressions replaced as they are evaluated. */
export interface PanelParameters {
	rows: IDataObject[];
	profile: IDataObject;
	options: IDataObject;
}

/** Every expression inside a raw parameter value, with where it sits. */
export function scanExpressions(
	value: unknown,
	name: string,
	root: keyof PanelParameters,
	segments: Array<string | number>,
	found: ExpressionParameter[],
): void {
	if (isExpressionValue(value)) {
		found.push({ name, root, segments, perItem: ITEM_REFERENCE.test(value) });
		return;
	}
	if (Array.isArray(value)) {
		value.forEach((entry, index) =>
			scanExpressions(entry, `${name}[${index}]`, root, [...segments, index], found),
		);
	} else if (value !== null && typeof value === 'object') {
		for (const [key, entry] of Object.entries(value))
			scanExpressions(entry, `${name}.${key}`, root, [...segments, key], found);
	}
}

export function assign(target: object, segments: Array<string | number>, value: unknown): void {
	let current = target as Record<string | number, unknown>;
	for (const segment of segments.slice(0, -1))
		current = current[segment] as Record<string | number, unknown>;
	current[segments[segments.length - 1]] = value;
}
