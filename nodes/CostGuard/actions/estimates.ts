import { cost, isExpression, operationError, type OperationContext } from '../../shared';
import { failItemTo, moneyProblem, readPriceBook, redactedItemError } from './budget';
import type { OutputOf } from './outputs';

/*
 * Check Budget's estimates: what each item is expected to cost, before it is spent.
 */

type Op = OperationContext<OutputOf<'checkBudget'>>;

type EstimateProblem = (index: number, message: string, description: string) => null;

/** Each item's estimated cost in nanos, or null for an item whose estimate failed (it left as an error). */
export function estimates(op: Op): Array<number | null> {
	const { context, items } = op;
	const mode = context.getNodeParameter('estimate', 0, 'none') as 'none' | 'fixed' | 'tokens';
	if (mode === 'none') return items.map(() => 0);
	const problem: EstimateProblem = (index, message, description) => {
		failItemTo(
			op,
			'Over Budget',
			items[index],
			index,
			redactedItemError(context, index, message, description),
		);
		return null;
	};
	return mode === 'fixed' ? fixedEstimates(op, problem) : tokenEstimates(op, problem);
}

/** Estimated Cost per Item: one amount for every item, or an expression per item. */
function fixedEstimates(op: Op, problem: EstimateProblem): Array<number | null> {
	const { context, items } = op;
	if (!isExpression(context, 'estimatedCost')) {
		let shared: number;
		try {
			shared = cost.parseMoney(context.getNodeParameter('estimatedCost', 0, ''));
		} catch (error) {
			throw operationError(context, `Estimated Cost per Item: ${moneyProblem(error)}`, {
				description: 'Write the expected cost of one item as a decimal, e.g. 0.002.',
			});
		}
		return items.map(() => shared);
	}
	return items.map((_, index) => {
		try {
			return cost.parseMoney(context.getNodeParameter('estimatedCost', index, ''));
		} catch (error) {
			return problem(
				index,
				`Item ${index}: Estimated Cost per Item: ${moneyProblem(error)}`,
				'The expression must give a decimal amount, e.g. 0.002.',
			);
		}
	});
}

/** The prompt's tokens and the expected output, at the model's price. */
function tokenEstimates(op: Op, problem: EstimateProblem): Array<number | null> {
	const { context, items } = op;
	const model = String(context.getNodeParameter('estimateModel', 0, '')).trim();
	const price = readPriceBook(context).priceOf(model);
	if (price === null) {
		throw operationError(context, `No price for model "${model}"`, {
			description:
				'Add the model under Price Overrides, or choose Use a Fallback Price under Unknown Model.',
		});
	}
	const output = Number(context.getNodeParameter('expectedOutputTokens', 0, 0));
	return items.map((_, index) => {
		const prompt = context.getNodeParameter('prompt', index, '') as unknown;
		const text =
			typeof prompt === 'string'
				? prompt
				: prompt === null || prompt === undefined
					? ''
					: JSON.stringify(prompt);
		try {
			return cost.estimateCallNanos(
				cost.promptTokens(text),
				Number.isFinite(output) ? output : 0,
				price,
			);
		} catch (error) {
			return problem(
				index,
				`Item ${index}: the prompt could not be priced: ${moneyProblem(error)}`,
				"Check the Prompt expression and the model's price.",
			);
		}
	});
}
