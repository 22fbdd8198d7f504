/**
 * The one parameter layer (shared/n8n/parameters): every node reads options through it, so
 * a field name, a number or a settings error from the core is handled the same way in
 * every node, and a configuration error names the parameter, never an item.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { SettingsError } from '../../../nodes/shared/core/errors/settings';
import {
	checkNumber,
	configError,
	describeBounds,
	fieldNameOption,
	hint,
	isExpression,
	nameParameter,
	numberParameter,
	operationError,
	readOnceOrPerItem,
	toParameterError,
	withParameterLabels,
} from '../../../nodes/shared/n8n/parameters';

/** Parameters as n8n keeps them (raw: expressions start with `=`), resolved per item by `evaluate`. */
function context(
	raw: Record<string, unknown>,
	evaluate: (value: unknown, itemIndex: number) => unknown = (value) => value,
): IExecuteFunctions & { reads: number } {
	const fake = {
		reads: 0,
		getNodeParameter(
			name: string,
			itemIndex: number,
			fallback?: unknown,
			options?: { rawExpressions?: boolean },
		) {
			fake.reads++;
			const value = name in raw ? raw[name] : fallback;
			return options?.rawExpressions ? value : evaluate(value, itemIndex);
		},
		getNode: () => ({
			id: 'n1',
			name: 'Guard',
			type: 'test.guard',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		}),
	};
	return fake as unknown as IExecuteFunctions & { reads: number };
}

function configurationError(run: () => unknown): NodeOperationError {
	try {
		run();
	} catch (error) {
		assert.ok(error instanceof NodeOperationError, `not a NodeOperationError: ${String(error)}`);
		return error;
	}
	assert.fail('no error thrown');
}

describe('expressions', () => {
	test('a parameter is an expression when its raw value starts with =', () => {
		const ctx = context({ key: '={{ $json.id }}', limit: 10, name: 'plain' });
		assert.equal(isExpression(ctx, 'key'), true);
		assert.equal(isExpression(ctx, 'limit'), false);
		assert.equal(isExpression(ctx, 'name'), false);
	});

	test('readOnceOrPerItem reads a plain value once and an expression per item', () => {
		const plain = context({ limit: 7 });
		const readPlain = readOnceOrPerItem(plain, 'limit', (i) => plain.getNodeParameter('limit', i));
		const before = plain.reads;
		assert.deepEqual([readPlain(0), readPlain(1), readPlain(2)], [7, 7, 7]);
		assert.equal(plain.reads, before, 'a plain value is not read again per item');

		const perItem = context({ key: '={{ $json.id }}' }, (value, i) =>
			typeof value === 'string' && value.startsWith('=') ? `id-${i}` : value,
		);
		const readKey = readOnceOrPerItem(perItem, 'key', (i) => perItem.getNodeParameter('key', i));
		assert.deepEqual([readKey(0), readKey(1), readKey(2)], ['id-0', 'id-1', 'id-2']);
	});
});

describe('field names', () => {
	test('trimmed, and the default when empty', () => {
		assert.equal(fieldNameOption(context({ f: '  out ' }), 'f', 'Output Field', 'guard'), 'out');
		assert.equal(fieldNameOption(context({ f: '   ' }), 'f', 'Output Field', 'guard'), 'guard');
		assert.equal(fieldNameOption(context({}), 'f', 'Output Field', 'guard'), 'guard');
		assert.equal(fieldNameOption(context({ f: 42 }), 'f', 'Output Field', 'guard'), 'guard');
	});

	for (const forbidden of ['__proto__', 'constructor', 'prototype', ' __proto__ ']) {
		test(`"${forbidden}" is refused, naming the parameter and no item`, () => {
			const error = configurationError(() =>
				fieldNameOption(context({ f: forbidden }), 'f', 'Correlation ID Field', 'correlationId'),
			);
			assert.match(
				error.message,
				/^Correlation ID Field cannot be "(__proto__|constructor|prototype)"/,
			);
			assert.equal(error.context.itemIndex, undefined);
		});
	}
});

describe('numbers', () => {
	const bounds = { min: 1, max: 60, integer: true, unit: 'seconds' };

	test('a number within bounds is returned', () => {
		assert.equal(
			numberParameter(context({ wait: 30 }), 'wait', 'Max Wait (Seconds)', 0, bounds),
			30,
		);
		assert.equal(numberParameter(context({}), 'wait', 'Max Wait (Seconds)', 5, bounds), 5);
	});

	for (const bad of [0, 61, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '30', null]) {
		test(`${String(bad)} is refused with the range and unit`, () => {
			const error = configurationError(() =>
				numberParameter(context({ wait: bad }), 'wait', 'Max Wait (Seconds)', 0, bounds),
			);
			assert.match(error.message, /^Max Wait \(Seconds\) is out of range: /);
			assert.equal(error.description, 'Use a whole number of seconds from 1 to 60.');
		});
	}

	test('an exclusive minimum and the meaning of zero are worded', () => {
		assert.equal(describeBounds({ min: 0, minExclusive: true }), 'a number above 0');
		assert.equal(
			describeBounds({ min: 0, unit: 'seconds', zero: '0 waits as long as needed' }),
			'a number of seconds of at least 0 (0 waits as long as needed)',
		);
		assert.equal(describeBounds({ max: 10 }), 'a number at most 10');
		assert.throws(() => checkNumber(context({}), 0, 'Lease', { min: 0, minExclusive: true }));
	});
});

describe('names', () => {
	test('trimmed; empty and overlong names are refused with an example', () => {
		const read = (value: unknown) =>
			nameParameter(context({ name: value }), 'name', 'Limiter Name', {
				example: 'hubspot',
				maxLength: 10,
			});
		assert.equal(read(' hubspot '), 'hubspot');
		assert.match(configurationError(() => read('  ')).message, /^Limiter Name is empty$/);
		assert.match(
			configurationError(() => read('x'.repeat(11))).message,
			/is longer than 10 characters/,
		);
		assert.match(configurationError(() => read(undefined)).description ?? '', /"hubspot"/);
	});
});

describe('errors', () => {
	test('configError names the parameter and the fix, with no item', () => {
		const error = configError(context({}), 'Schema', 'is not valid JSON', 'Paste a JSON Schema.');
		assert.equal(error.message, 'Schema is not valid JSON');
		assert.equal(error.description, 'Paste a JSON Schema.');
		assert.equal(error.context.itemIndex, undefined);
	});

	test('operationError keeps a message NodeOperationError would swap for a generic one', () => {
		const message = 'Redis at 127.0.0.1:1 refused the connection: connect ECONNREFUSED 127.0.0.1:1';
		const error = operationError(context({}), message, { itemIndex: 3 });
		assert.equal(error.message, message);
		assert.equal(error.context.itemIndex, 3);
	});

	test('a core settings error becomes a parameter error under the parameter label', () => {
		const settings = new SettingsError('targetUtilization', 140, 'a number from 1 to 100');
		const error = toParameterError(context({}), settings, {
			targetUtilization: 'Target Utilization (%)',
		});
		assert.ok(error instanceof NodeOperationError);
		assert.equal(error.message, 'Target Utilization (%) is out of range: 140');
		assert.equal(error.description, 'It must be a number from 1 to 100.');
	});

	test('any other error passes through untouched', () => {
		const other = new TypeError('boom');
		assert.equal(toParameterError(context({}), other, {}), other);
		assert.throws(
			() =>
				withParameterLabels(context({}), {}, () => {
					throw other;
				}),
			(thrown) => thrown === other,
		);
		assert.equal(
			withParameterLabels(context({}), {}, () => 5),
			5,
		);
	});

	test("a settings error's own problem is worded after the label", () => {
		class ZoneError extends SettingsError {
			readonly problem = 'is not valid: "Mars/Base"';
		}
		const error = toParameterError(
			context({}),
			new ZoneError('timeZone', 'Mars/Base', 'an IANA time zone'),
			{
				timeZone: 'Time Zone',
			},
		);
		assert.ok(error instanceof NodeOperationError);
		assert.equal(error.message, 'Time Zone is not valid: "Mars/Base"');
		assert.equal(error.description, 'It must be an IANA time zone.');
	});

	test('an unlabelled option falls back to its key', () => {
		const error = toParameterError(context({}), new SettingsError('burst', -1, 'at least 1'), {});
		assert.ok(error instanceof NodeOperationError);
		assert.match(error.message, /^burst is out of range: -1$/);
	});
});

test('hint puts the message above the output', () => {
	assert.deepEqual(hint('Limit observed: 90 per minute'), {
		message: 'Limit observed: 90 per minute',
		type: 'info',
		location: 'outputPane',
	});
	assert.equal(hint('Budget at 80 %', 'warning').type, 'warning');
});
