import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	MappingError,
	compileMapping,
	describeItemFailures,
	exportMapping,
	parseMapping,
	type MappingInput,
	type TransformResult,
} from '../../../nodes/shared/core/transform';
import { deepFreeze } from './helpers';

function ok(result: TransformResult): Record<string, unknown> {
	if (!result.ok) assert.fail(describeItemFailures(0, result.failures).message);
	return result.json;
}

function failures(result: TransformResult) {
	assert.equal(result.ok, false, 'expected the item to fail');
	return result.ok ? [] : result.failures;
}

/** Asserts the mapping is refused before any item, naming `message`, with a fix. */
function assertMalformed(mapping: unknown, message: RegExp, entry?: number): void {
	assert.throws(
		() => compileMapping(mapping),
		(error: unknown) => {
			assert.ok(error instanceof MappingError, `expected MappingError, got ${String(error)}`);
			assert.match(error.message, message);
			assert.ok(error.fix.length > 0);
			if (entry !== undefined) assert.equal(error.entry, entry);
			return true;
		},
	);
}

describe('a malformed mapping fails before any item, naming the entry', () => {
	const field = (extra: Record<string, unknown>) => ({
		fields: [
			{ target: 'a', source: 'a', convert: 'copy' },
			{ target: 'b', source: 'b', convert: 'string', ...extra },
		],
	});

	it('not JSON', () => assertMalformed('{ "fields": [', /not valid JSON/));
	it('no fields', () => assertMalformed({ fields: [] }, /fields/));
	it('an unknown top-level key', () =>
		assertMalformed(
			{ fields: [{ target: 'a', source: 'a', convert: 'copy' }], unmaped: 'keep' },
			/unmaped/,
		));
	it('an unknown converter', () =>
		assertMalformed(
			field({ convert: 'upper' }),
			/Mapping entry 2 \(target "b"\): convert: Invalid discriminator/,
			1,
		));
	it('a misspelt option', () =>
		assertMalformed(
			field({ convert: 'money', options: { curency: 'AUD' } }),
			/Mapping entry 2 \(target "b"\): options: Unrecognized key.*curency/,
			1,
		));
	it('a wrong option value', () =>
		assertMalformed(
			field({ convert: 'money', options: { rounding: 'up' } }),
			/options\.rounding/,
			1,
		));
	it('a malformed target path', () =>
		assertMalformed(
			field({ target: 'b..c' }),
			/Mapping entry 2 \(target "b\.\.c"\): the target path .*empty part/,
			1,
		));
	it('a malformed source path', () =>
		assertMalformed(field({ source: 'b[x]' }), /the source path .*malformed/, 1));
	for (const target of [
		'__proto__.polluted',
		'constructor.prototype.polluted',
		'x.prototype',
		'__proto__',
	]) {
		it(`a target through ${target}`, () =>
			assertMalformed(field({ target }), /could reach an object's prototype/, 1));
	}
	it('no source', () => assertMalformed(field({ source: undefined }), /has no source/, 1));
	it('a source and a value', () =>
		assertMalformed(field({ value: 'x' }), /more than one source/, 1));
	it('two entries with one target', () =>
		assertMalformed(
			field({ target: 'a' }),
			/Mapping entry 2 .*writes the same target as entry 1/,
			1,
		));
	it("an entry inside another's target", () =>
		assertMalformed(
			field({ target: 'a.inner' }),
			/writes inside or around the target of entry 1/,
			1,
		));
	it('[*] on one side only', () =>
		assertMalformed(field({ source: 'list[*].b' }), /the target has 0 \[\*\] and the source 1/, 1));
	it('default without a default value', () =>
		assertMalformed(field({ missing: 'default' }), /no default/, 1));
	it('a bad converter option value', () =>
		assertMalformed(
			field({ convert: 'date', options: { zone: 'Nowhere/Land' } }),
			/Mapping entry 2 .*options\.zone/,
			1,
		));
	it('a bad currency', () =>
		assertMalformed(
			field({ convert: 'money', options: { currency: 'DOLLARS' } }),
			/options\.currency/,
			1,
		));
	it('a currency field with more [*] than the source', () =>
		assertMalformed(
			field({ convert: 'money', options: { currencyField: 'l[*].c' } }),
			/currencyField/,
			1,
		));
	it('a bad profile', () =>
		assertMalformed(
			{ profile: { zone: 'local' }, fields: [{ target: 'a', source: 'a', convert: 'copy' }] },
			/profile: profile\.zone/,
		));
	it('overlapping boolean words', () =>
		assertMalformed(
			{
				profile: { trueValues: ['y'], falseValues: ['y'] },
				fields: [{ target: 'a', source: 'a', convert: 'copy' }],
			},
			/both contain "y"/,
		));
	it('a value map without a map', () =>
		assertMalformed(field({ convert: 'valueMap' }), /options/, 1));
	it('a value map given as text that is not JSON', () =>
		assertMalformed(
			field({ convert: 'valueMap', options: { map: '{ nope' } }),
			/options\.map: must be a JSON object/,
			1,
		));
	it('a value map in JSON text is accepted', () => {
		const mapping = compileMapping(
			field({ convert: 'valueMap', options: { map: '{ "x": "y" }' } }),
		);
		assert.deepEqual(ok(mapping.apply({ a: 1, b: 'X' })), { a: 1, b: 'y' });
	});
	it('a mapping that is not an object', () => assertMalformed(42, /malformed/));
	it('more than 5 MB of JSON', () => assertMalformed(' '.repeat(5_000_001), /larger than 5 MB/));
});

describe('applying a mapping', () => {
	it('builds nested targets and leaves the input untouched', () => {
		const mapping = compileMapping({
			fields: [
				{ target: 'customer.name', source: 'Contact.Name', convert: 'string' },
				{ target: 'customer.email', source: 'Contact.EmailAddress', convert: 'email' },
				{ target: 'tags[1]', source: 'Tag', convert: 'string' },
				{ target: 'system', value: 'xero', convert: 'copy' },
			],
		});
		const input = deepFreeze({
			Contact: { Name: ' Acme ', EmailAddress: 'A@B.CO' },
			Tag: 'vip',
			Other: 1,
		});
		assert.deepEqual(ok(mapping.apply(input)), {
			customer: { name: 'Acme', email: 'a@b.co' },
			tags: [null, 'vip'],
			system: 'xero',
		});
	});

	it('keeps unmapped fields, without the ones it mapped, copy-on-write', () => {
		const mapping = compileMapping({
			unmapped: 'keep',
			fields: [
				{ target: 'customer.name', source: 'Contact.Name', convert: 'string' },
				{ target: 'email', source: 'email', convert: 'email' },
				{ target: 'lines[*].sku', source: 'Lines[*].Code', convert: 'string' },
			],
		});
		const input = deepFreeze({
			Contact: { Name: 'Acme', Phone: '1' },
			Gone: { Name: 'x' },
			email: ' A@B.CO ',
			Lines: [{ Code: 'A', Qty: 1 }, { Code: 'B' }],
			id: 7,
		});
		assert.deepEqual(ok(mapping.apply(input)), {
			Contact: { Phone: '1' },
			Gone: { Name: 'x' },
			email: 'a@b.co',
			Lines: [{ Qty: 1 }, {}],
			id: 7,
			customer: { name: 'Acme' },
			lines: [{ sku: 'A' }, { sku: 'B' }],
		});
	});

	it('reports a target blocked by a kept value instead of overwriting it', () => {
		const mapping = compileMapping({
			unmapped: 'keep',
			fields: [{ target: 'customer.name', source: 'name', convert: 'string' }],
		});
		const [failure] = failures(mapping.apply({ name: 'A', customer: 'kept text' }));
		assert.match(failure.reason, /cannot be written/);
	});

	it('copies values so output items never share objects with the input', () => {
		const mapping = compileMapping({
			fields: [{ target: 'copy', source: 'nested', convert: 'copy' }],
		});
		const input = { nested: { deep: [1, { x: 2 }] } };
		const output = ok(mapping.apply(input));
		assert.deepEqual(output.copy, input.nested);
		assert.notEqual(output.copy, input.nested);
	});

	it('reads own "__proto__" keys from parsed JSON and never pollutes Object.prototype', () => {
		const mapping = compileMapping({
			unmapped: 'keep',
			fields: [
				{ target: 'fromProto', source: '__proto__.polluted', convert: 'copy' },
				{
					target: 'fromConstructor',
					source: 'constructor.prototype.polluted',
					convert: 'copy',
					missing: 'null',
				},
			],
		});
		const hostile = JSON.parse(
			'{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}',
		) as object;
		const output = ok(mapping.apply(hostile));
		assert.equal(output.fromProto, 'yes');
		assert.equal(output.fromConstructor, 'yes');
		assert.equal(({} as Record<string, unknown>).polluted, undefined);
		assert.equal(Object.getPrototypeOf(output), Object.prototype);
		// Through an ordinary object the prototype is never reached.
		assert.equal(ok(mapping.apply({})).fromConstructor, null);
	});

	it('reports every failed field of an item at once, each with the raw value and a fix', () => {
		const mapping = compileMapping({
			profile: { defaultCurrency: 'AUD' },
			fields: [
				{ target: 'total', source: 'Total', convert: 'money' },
				{ target: 'date', source: 'Date', convert: 'date' },
				{ target: 'ok', source: 'Fine', convert: 'string' },
			],
		});
		const found = failures(mapping.apply({ Total: '12,34', Date: '03/04/2025', Fine: 'x' }));
		assert.deepEqual(
			found.map(({ field, source, raw }) => ({ field, source, raw })),
			[
				{ field: 'total', source: '"Total"', raw: '12,34' },
				{ field: 'date', source: '"Date"', raw: '03/04/2025' },
			],
		);
		const { message, description } = describeItemFailures(4, found);
		assert.equal(
			message,
			'Item 4: 2 fields failed — field "total" from "Total": "12,34" has thousands separators in the wrong places. Fix: Set Decimal Separator in the source profile to the style this source uses (point: 1,234.56; comma: 1.234,56). | field "date" from "Date": "03/04/2025" is ambiguous: DD/MM/YYYY gives 2025-04-03, MM/DD/YYYY gives 2025-03-04. Fix: Set Date Order in the source profile (day first or month first), or choose the Input Format.',
		);
		assert.equal(description.split('\n').length, 2);
	});

	it('shows a huge raw value cut short in the message', () => {
		const mapping = compileMapping({ fields: [{ target: 'n', source: 'n', convert: 'number' }] });
		const { message } = describeItemFailures(
			0,
			failures(mapping.apply({ n: '9'.repeat(2_000_000) })),
		);
		assert.ok(message.length < 500, `message is ${message.length} characters`);
		assert.match(message, /… \(2000000 characters\)/);
	});
});

describe('missing values', () => {
	const mapping = (missing: string, extra: Record<string, unknown> = {}) =>
		compileMapping({
			missing,
			fields: [{ target: 'out', source: 'in', convert: 'number', default: 0, ...extra }],
		} as MappingInput);

	for (const [name, value] of [
		['absent', undefined],
		['null', null],
		['blank', '   '],
	] as const) {
		it(`${name} is missing for typed converters`, () => {
			const item = value === undefined ? {} : { in: value };
			assert.deepEqual(ok(mapping('skip').apply(item)), {});
			assert.deepEqual(ok(mapping('null').apply(item)), { out: null });
			assert.deepEqual(ok(mapping('default').apply(item)), { out: 0 });
			assert.match(failures(mapping('error').apply(item))[0].reason, /is missing/);
		});
	}

	it("a field overrides the mapping's policy", () => {
		assert.deepEqual(ok(mapping('error', { missing: 'skip' }).apply({})), {});
	});

	it('blank text is a value for String and Copy', () => {
		const text = compileMapping({
			missing: 'error',
			fields: [
				{ target: 's', source: 's', convert: 'string' },
				{ target: 'c', source: 'c', convert: 'copy' },
			],
		});
		assert.deepEqual(ok(text.apply({ s: '  ', c: '' })), { s: '', c: '' });
	});

	it('object defaults are copied per item', () => {
		const withObject = compileMapping({
			fields: [
				{ target: 'o', source: 'o', convert: 'copy', missing: 'default', default: { a: 1 } },
			],
		});
		const first = ok(withObject.apply({})).o;
		assert.deepEqual(first, { a: 1 });
		assert.notEqual(first, ok(withObject.apply({})).o);
	});
});

describe('lists: [*] paths', () => {
	const mapping = compileMapping({
		profile: { defaultCurrency: 'AUD' },
		fields: [
			{ target: 'lines[*].sku', source: 'LineItems[*].ItemCode', convert: 'string' },
			{
				target: 'lines[*].amount',
				source: 'LineItems[*].UnitAmount',
				convert: 'money',
				options: { output: 'decimal', currencyField: 'LineItems[*].Currency' },
			},
			{ target: 'tags[*]', source: 'Tags[*]', convert: 'string', options: { case: 'lower' } },
			{ target: 'grid[*][*]', source: 'Grid[*][*]', convert: 'number' },
		],
	});

	it('writes each element at its position, padding skipped ones so positions line up', () => {
		const output = ok(
			mapping.apply({
				LineItems: [
					{ ItemCode: 'A', UnitAmount: 1.5, Currency: 'usd' },
					{ UnitAmount: 2 },
					{ ItemCode: 'C' },
				],
				Tags: ['VIP', null, 'NEW'],
				Grid: [[1, '2'], [], ['3']],
			}),
		);
		assert.deepEqual(output, {
			lines: [{ sku: 'A', amount: '1.50' }, { amount: '2.00' }, { sku: 'C' }],
			tags: ['vip', null, 'new'],
			grid: [[1, 2], [], [3]],
		});
	});

	it('an absent list maps to nothing; an empty list to an empty list', () => {
		assert.deepEqual(ok(mapping.apply({})), {});
		assert.deepEqual(ok(mapping.apply({ Tags: [] })), { tags: [] });
	});

	it('a value that is not a list is a failure naming where', () => {
		const [failure] = failures(mapping.apply({ Tags: 'VIP' }));
		assert.equal(failure.field, 'tags[*]');
		assert.match(failure.reason, /at "Tags", not a list/);
	});

	it('failures name the element', () => {
		const [failure] = failures(
			mapping.apply({ LineItems: [{ UnitAmount: 1 }, { UnitAmount: 'lots' }] }),
		);
		assert.equal(failure.field, 'lines[1].amount');
		assert.equal(failure.source, '"LineItems[1].UnitAmount"');
	});
});

describe('expression values and constants', () => {
	it('takes values the caller evaluates per item for fields without a source', () => {
		const mapping = compileMapping(
			{
				fields: [
					{ target: 'a', source: 'a', convert: 'copy' },
					{ target: 'when', convert: 'date' },
				],
			},
			{ externalFields: new Set([1]) },
		);
		assert.deepEqual(
			ok(mapping.apply({ a: 1 }, (field) => (field === 1 ? 1741046400 : undefined))),
			{ a: 1, when: '2025-03-04T00:00:00Z' },
		);
		assert.equal(failures(mapping.apply({ a: 1 }, () => 'garbage'))[0].source, 'an expression');
	});

	it('converts constants like any other value', () => {
		const mapping = compileMapping({
			fields: [
				{ target: 'seen', value: '2025-03-04', convert: 'date', options: { output: 'date' } },
			],
		});
		assert.deepEqual(ok(mapping.apply({})), { seen: '2025-03-04' });
	});
});

describe('JSON import and export', () => {
	const input: MappingInput = {
		name: 'xero-invoice-to-canonical',
		profile: { dateOrder: 'dayFirst', zone: 'Australia/Sydney', currencySymbols: { $: 'AUD' } },
		fields: [
			{
				target: 'invoice.total',
				source: 'Total',
				convert: 'money',
				options: { currencyField: 'CurrencyCode' },
			},
			{ target: 'invoice.date', source: 'Date', convert: 'date', options: { output: 'date' } },
			{
				target: 'status',
				source: 'Status',
				convert: 'valueMap',
				options: { map: { AUTHORISED: 'open' } },
			},
		],
	};

	it('exports every default, and the export compiles to the same behaviour', () => {
		const exported = exportMapping(compileMapping(input));
		assert.deepEqual(exported.profile, {
			dateOrder: 'dayFirst',
			zone: 'Australia/Sydney',
			decimal: 'point',
			currencySymbols: { $: 'AUD' },
			defaultCurrency: null,
			defaultCountry: null,
			trueValues: ['true', 't', 'yes', 'y', '1', 'on'],
			falseValues: ['false', 'f', 'no', 'n', '0', 'off'],
		});
		assert.equal(exported.version, 1);
		assert.equal(exported.missing, 'skip');
		assert.doesNotMatch(
			JSON.stringify(exported),
			/minorUnits|outputUnits|milliseconds|keepWrittenDate/,
			'a version 1 mapping exports as it did before version 1.1',
		);
		assert.deepEqual((exported.fields as Array<Record<string, unknown>>)[0], {
			target: 'invoice.total',
			source: 'Total',
			convert: 'money',
			options: {
				input: 'amount',
				currency: null,
				currencyField: 'CurrencyCode',
				output: 'minor',
				rounding: 'error',
			},
		});
		const text = JSON.stringify(exported);
		const item = {
			Total: '$1,234.50',
			CurrencyCode: 'AUD',
			Date: '03/04/2025',
			Status: 'authorised',
		};
		assert.deepEqual(compileMapping(text).apply(item), compileMapping(input).apply(item));
		assert.deepEqual(ok(compileMapping(text).apply(item)), {
			invoice: { total: 123450, date: '2025-04-03' },
			status: 'open',
		});
		assert.deepEqual(
			exportMapping(parseMapping(text)),
			exported,
			'exporting an export changes nothing',
		);
	});
});

describe('mapping versions', () => {
	const fields: MappingInput['fields'] = [
		{ target: 'at', source: 'at', convert: 'date' },
		{ target: 'on', source: 'on', convert: 'date', options: { output: 'date' } },
		{ target: 'total', source: 'total', convert: 'number' },
	];
	const item = { at: '2025-03-04T10:00:59Z', on: '2018-11-02T00:00:00', total: 5 };
	const auckland = { zone: 'Pacific/Auckland' };

	it('version 1 (and a mapping that does not say) keeps its old defaults', () => {
		for (const mapping of [
			compileMapping({ profile: auckland, fields }),
			compileMapping({ version: 1, profile: auckland, fields }, { defaultVersion: 2 }),
		]) {
			assert.deepEqual(ok(mapping.apply(item)), {
				at: '2025-03-04T10:00:59Z',
				on: '2018-11-01',
				total: 5,
			});
			assert.deepEqual(ok(mapping.apply({})), {}, 'missing values are skipped');
		}
	});

	it('version 2 writes milliseconds always, so instants sort as text', () => {
		const mapping = compileMapping({ version: 2, profile: auckland, fields });
		const { at } = ok(mapping.apply(item));
		assert.equal(at, '2025-03-04T10:00:59.000Z');
		const later = ok(mapping.apply({ ...item, at: '2025-03-04T10:00:59.999Z' })).at as string;
		assert.ok((at as string) < later, `${String(at)} sorts before ${later}`);
	});

	it("version 2 keeps a date-time's written date in a date output (Xero in Pacific/Auckland)", () => {
		const mapping = compileMapping({ profile: auckland, fields }, { defaultVersion: 2 });
		assert.equal(ok(mapping.apply(item)).on, '2018-11-02');
		// An instant with an offset is still moved into the output zone.
		assert.equal(ok(mapping.apply({ ...item, on: '2018-11-02T00:00:00+13:00' })).on, '2018-11-01');
	});

	it('version 2 fails an item whose field is missing, unless the field says otherwise', () => {
		const mapping = compileMapping({ version: 2, fields });
		const failed = failures(mapping.apply({ at: item.at, on: item.on }));
		assert.deepEqual(
			failed.map((failure) => [failure.field, failure.reason]),
			[['total', 'is missing']],
		);
		const optional = compileMapping({
			version: 2,
			fields: [{ target: 'total', source: 'total', convert: 'number', missing: 'skip' }],
		});
		assert.deepEqual(ok(optional.apply({})), {});
	});

	it('exports the filled-in defaults, so an export reads the same in any node version', () => {
		const exported = exportMapping(compileMapping({ fields }, { defaultVersion: 2 }));
		assert.equal(exported.version, 2);
		assert.equal(exported.missing, 'error');
		assert.deepEqual((exported.fields as Array<{ options: unknown }>)[0].options, {
			input: 'auto',
			inputFormat: null,
			zone: null,
			output: 'iso',
			outputFormat: null,
			outputZone: 'UTC',
			milliseconds: 'always',
			keepWrittenDate: true,
		});
		const again = compileMapping(JSON.stringify(exported), { defaultVersion: 1 });
		assert.equal(ok(again.apply(item)).at, '2025-03-04T10:00:59.000Z');
	});

	it('refuses a version it does not know', () => {
		assert.throws(() => compileMapping({ version: 3, fields } as never), MappingError);
	});
});

describe('constants and expressions', () => {
	it('a constant value is converted like a source value', () => {
		const mapping = compileMapping({
			fields: [
				{ target: 'source', value: 'xero', convert: 'copy' },
				{ target: 'paid', value: 'yes', convert: 'boolean' },
			],
		});
		assert.deepEqual(ok(mapping.apply({})), { source: 'xero', paid: true });
	});

	it('an "expression" entry takes its value from the caller, per item', () => {
		const mapping = compileMapping({
			fields: [
				{ target: 'id', source: 'id', convert: 'string' },
				{ target: 'name', expression: "{{ $json.first + ' ' + $json.last }}", convert: 'string' },
			],
		});
		assert.deepEqual(ok(mapping.apply({ id: 1 }, (row) => (row === 1 ? 'Ada L' : undefined))), {
			id: '1',
			name: 'Ada L',
		});
		assert.equal(
			(exportMapping(mapping).fields as Array<{ expression?: string }>)[1].expression,
			"{{ $json.first + ' ' + $json.last }}",
		);
	});

	it('refuses an entry with both a source and an expression', () => {
		assert.throws(
			() =>
				compileMapping({
					fields: [{ target: 'a', source: 'a', expression: '{{ 1 }}', convert: 'copy' }],
				}),
			/more than one source/,
		);
	});
});
