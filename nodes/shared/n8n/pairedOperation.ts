import type {
	IExecuteFunctions,
	IGetNodeParameterOptions,
	INodeParameters,
	INodeProperties,
	NodeExecutionHint,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { withOverrides } from './itemKeys';
import { hint, isExpressionValue } from './parameters';

/**
 * Paired operations: a second operation (Complete after Claim, Record after Check, Record
 * Usage after Check Budget, Cache Store after Cache Lookup) acts on the state its first
 * operation named, so it must use the same Scope and name. Left at its default ("From
 * the Matching Claim Node", say), the second operation takes them from the nearest
 * enabled node of the same type before it that runs the first operation, and says in
 * the panel which node that was; with none before it, it fails saying where it looked.
 *
 * A value that is an expression on the first node is evaluated here, on this node's
 * items, exactly as if it had been typed on this node too: a Scope such as
 * `{{ $workflow.name }}` gives the same. A per-item name (`{{ $json.tenant }}`) is read,
 * where the node gives `fromStamp`, from what the first node decided for the item this
 * one pairs back to, since a vendor node in between usually replaced the items.
 */

/** The selector's values: take the settings from the first operation, or from this node. */
const PAIRED = 'paired';
const OWN = 'own';

export interface PairedOperationSpec {
	/** The selector parameter, e.g. `scopeFrom`, and its label, e.g. "Scope From". */
	selector: string;
	selectorLabel: string;
	/** The first operations this one pairs with, e.g. `['claim']`. */
	firstOperations: readonly string[];
	/** The first node's operation when it stored none (its default). */
	defaultOperation: string;
	/** The first operation as the panel names it, e.g. "Claim". */
	firstLabel: string;
	/** The node type as the panel names it, e.g. "Idempotent Write". */
	nodeLabel: string;
	/**
	 * The parameters taken from the first node, with their labels and defaults. When the
	 * first node's value is an expression and `fromStamp` is given, each item reads what
	 * the first node decided for the item it pairs back to (its stamp) instead of
	 * evaluating the expression again on items a vendor node may have replaced.
	 */
	parameters: ReadonlyArray<PairedParameter>;
	/** The name of the node to pair with, when the user named one; otherwise the nearest. */
	named?: string;
	/** Parameters that must be equal on both nodes (e.g. `store`): a difference is an error. */
	mustMatch?: ReadonlyArray<{ name: string; label: string; fallback: string }>;
}

export interface PairedParameter {
	name: string;
	label: string;
	fallback: string;
	/**
	 * The expression that reads the value from the first node's stamp on the paired item;
	 * undefined where that node's version stamps no such value.
	 */
	fromStamp?: (first: FirstOperation) => string | undefined;
}

export interface FirstOperation {
	name: string;
	parameters: INodeParameters;
	typeVersion: number;
}

/** The selector parameter, shown on the second operations of the versions that pair. */
export function pairedSelectorProperty(
	spec: Pick<PairedOperationSpec, 'selector' | 'firstLabel'>,
	displayName: string,
	takes: string,
	show: NonNullable<INodeProperties['displayOptions']>['show'],
): INodeProperties {
	return {
		displayName,
		name: spec.selector,
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: `From the Matching ${spec.firstLabel} Node`,
				value: PAIRED,
				description: `Use the ${takes} of the nearest ${spec.firstLabel} node before this one, so both always act on the same state`,
			},
			{
				name: 'Set on This Node',
				value: OWN,
				description: `Type the ${takes} here, e.g. when the ${spec.firstLabel} node is in another workflow. They must be the same as on the ${spec.firstLabel} node.`,
			},
		],
		default: PAIRED,
		description: `Where this node takes the ${takes} from. It acts on what the ${spec.firstLabel} node started, so both must use the same.`,
		displayOptions: { show },
	};
}

/**
 * A parameter the second operations take from their first (Scope, a name), as the
 * panel shows it: always on the other operations, and on the second operations of the
 * versions before `fromVersion`; from that version only while the selector is "Set on
 * This Node". Written as copies with plain conditions, because n8n decides what is shown
 * with every parameter's default in view: a `hide` on the selector would hide the
 * parameter on operations that have no selector too (its default would count).
 */
export function unlessPaired(
	property: INodeProperties,
	spec: { selector: string; secondOperations: string[]; fromVersion: number },
): INodeProperties[] {
	const show = property.displayOptions?.show ?? {};
	const hide = property.displayOptions?.hide;
	const onlySecond =
		Array.isArray(show.operation) &&
		show.operation.every((operation) => spec.secondOperations.includes(String(operation)));
	const copy = (
		displayOptions: NonNullable<INodeProperties['displayOptions']>,
	): INodeProperties => ({ ...property, displayOptions });
	return [
		...(onlySecond ? [] : [copy({ show, hide: { ...hide, operation: spec.secondOperations } })]),
		copy({
			...(hide ? { hide } : {}),
			show: {
				...show,
				operation: spec.secondOperations,
				'@version': [{ _cnd: { lt: spec.fromVersion } }],
			},
		}),
		copy({
			...(hide ? { hide } : {}),
			show: {
				...show,
				operation: spec.secondOperations,
				'@version': [{ _cnd: { gte: spec.fromVersion } }],
				[spec.selector]: [OWN],
			},
		}),
	];
}

/**
 * An expression reading one field of the first node's stamp on the item this one pairs
 * back to, e.g. `{{ $('Check').item.json.circuitBreaker.name }}`.
 */
export function stampExpression(first: FirstOperation, defaultField: string, key: string): string {
	const options = (first.parameters.options ?? {}) as Record<string, unknown>;
	const configured = typeof options.outputField === 'string' ? options.outputField.trim() : '';
	const field = configured === '' ? defaultField : configured;
	return `={{ $(${JSON.stringify(first.name)}).item.json[${JSON.stringify(field)}][${JSON.stringify(key)}] }}`;
}

/**
 * The nearest enabled node of this node's type before it that runs one of the first
 * operations (or the one named), or undefined when there is none.
 */
export function findFirstOperation(
	context: IExecuteFunctions,
	spec: PairedOperationSpec,
): FirstOperation | undefined {
	const self = context.getNode();
	const named = spec.named?.trim() ?? '';
	const parents = context.getParentNodes(self.name, { includeNodeParameters: true });
	const found = parents.find(
		(parent) =>
			parent.type === self.type &&
			!parent.disabled &&
			spec.firstOperations.includes(
				String(parent.parameters?.operation ?? spec.defaultOperation),
			) &&
			(named === '' || parent.name === named),
	);
	return found
		? { name: found.name, parameters: found.parameters ?? {}, typeVersion: found.typeVersion }
		: undefined;
}

/**
 * The node's context as a paired second operation sees it: when the selector is left
 * at "From the Matching … Node", the spec's parameters read the first node's values,
 * and a hint says which node it paired with. With "Set on This Node", or on a version
 * without the selector, the context is returned as it is.
 */
export function pairWithFirstOperation(
	context: IExecuteFunctions,
	spec: PairedOperationSpec,
): { context: IExecuteFunctions; hint?: NodeExecutionHint; first?: FirstOperation } {
	if (context.getNodeParameter(spec.selector, 0, OWN) !== PAIRED) return { context };
	const first = findFirstOperation(context, spec);
	const takes = spec.parameters.map((parameter) => parameter.label).join(' and ');
	if (first === undefined) {
		const self = context.getNode().name;
		const where =
			spec.named !== undefined && spec.named.trim() !== ''
				? `no enabled ${spec.nodeLabel} ${spec.firstLabel} node named "${spec.named.trim()}" is connected before "${self}"`
				: `no enabled ${spec.nodeLabel} ${spec.firstLabel} node is connected before "${self}" in this workflow`;
		throw new NodeOperationError(
			context.getNode(),
			`Found no ${spec.firstLabel} node to pair with: ${where}, so there is nothing this node could act on`,
			{
				description: `This node takes its ${takes} from the matching ${spec.firstLabel} node. Connect it after the ${spec.firstLabel} node (through the nodes in between), or, when the ${spec.firstLabel} node is in another workflow, set ${spec.selectorLabel} to "Set on This Node" and enter the same ${takes}.`,
			},
		);
	}
	for (const parameter of spec.mustMatch ?? []) {
		const theirs = String(first.parameters[parameter.name] ?? parameter.fallback);
		const ours = String(context.getNodeParameter(parameter.name, 0, parameter.fallback));
		if (theirs !== ours) {
			throw new NodeOperationError(
				context.getNode(),
				`${parameter.label} is "${ours}" here but "${theirs}" on the ${spec.firstLabel} node "${first.name}"`,
				{
					description: `Both nodes must use the same ${parameter.label} (and the same credential), or this node looks for state the ${spec.firstLabel} node never wrote. Choose "${theirs}" here.`,
				},
			);
		}
	}
	const values = new Map<string, unknown>();
	const shown: string[] = [];
	for (const parameter of spec.parameters) {
		const value = first.parameters[parameter.name] ?? parameter.fallback;
		const stamped = isExpressionValue(value) ? parameter.fromStamp?.(first) : undefined;
		if (stamped !== undefined) {
			values.set(parameter.name, stamped);
			shown.push(`${parameter.label} per item, as "${first.name}" named each item's`);
		} else {
			values.set(parameter.name, value);
			shown.push(`${parameter.label} ${describeSetting(value)}`);
		}
	}
	return {
		context: withParameters(context, values),
		hint: hint(`Paired with the ${spec.firstLabel} node "${first.name}": ${shown.join(', ')}.`),
		first,
	};
}

function describeSetting(value: unknown): string {
	if (isExpressionValue(value)) return `${value.slice(1)} (an expression, evaluated here)`;
	const text = String(value ?? '').trim();
	return text === '' ? '(empty: this workflow)' : `"${text}"`;
}

/**
 * The context with `values` in place of some of its node's parameters: read through
 * getNodeParameter (an expression evaluated on this node's item, raw when asked for raw
 * expressions) and through getNode().parameters.
 */
function withParameters(
	context: IExecuteFunctions,
	values: Map<string, unknown>,
): IExecuteFunctions {
	const overrides: Partial<IExecuteFunctions> = {
		getNode: (() => {
			const node = context.getNode();
			const parameters = { ...node.parameters };
			for (const [name, value] of values) parameters[name] = value as INodeParameters[string];
			return { ...node, parameters };
		}) as IExecuteFunctions['getNode'],
		getNodeParameter: ((
			name: string,
			itemIndex: number,
			fallback?: unknown,
			options?: IGetNodeParameterOptions,
		) => {
			if (!values.has(name))
				return context.getNodeParameter(name, itemIndex, fallback as never, options);
			const value = values.get(name);
			if (!isExpressionValue(value) || options?.rawExpressions) return value;
			// evaluateExpression adds the leading `=` itself.
			return context.evaluateExpression(value.slice(1), itemIndex);
		}) as IExecuteFunctions['getNodeParameter'],
	};
	return withOverrides(context, overrides);
}
