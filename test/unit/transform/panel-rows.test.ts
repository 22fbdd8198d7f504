// What a newcomer sees in Canonical Transform's Fields, counted the way n8n's panel decides
// it (n8n-workflow's getNodeParameters and displayParameter): the settings shown for a new
// row of each converter and for the example mappings, in version 1.1 and 1.2. And every
// parameter's description, in every version, checked for the text bugs of the UX review.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	NodeHelpers,
	type IDataObject,
	type INodeParameters,
	type INodeProperties,
	type INodePropertyCollection,
	type INodePropertyOptions,
} from 'n8n-workflow';

import { CanonicalTransform } from '../../../nodes/CanonicalTransform/CanonicalTransform.node';
import { FIELD_VALUES } from '../../../nodes/CanonicalTransform/actions/fieldValues';
import { FIELD_VALUES_V12 } from '../../../nodes/CanonicalTransform/actions/rowOptions';
import {
	LEDGER_ROWS,
	LEDGER_ROWS_V12,
	XERO_ROWS,
	XERO_ROWS_V12,
} from '../../engine/canonical-transform.fixtures';

const CONVERTERS = [
	'copy',
	'string',
	'number',
	'boolean',
	'date',
	'money',
	'phone',
	'email',
	'abn',
	'acn',
	'valueMap',
];

/** Settings a row shows: its visible fields, plus the options added to its Options. */
function settingsShown(properties: INodeProperties[], saved: IDataObject): number {
	const values = NodeHelpers.getNodeParameters(
		properties,
		saved as INodeParameters,
		true,
		false,
		null,
		null,
	) as IDataObject;
	let count = 0;
	for (const property of properties) {
		if (!NodeHelpers.displayParameter(values as INodeParameters, property, null, null)) continue;
		if (property.type === 'collection')
			count += Object.keys((values[property.name] as IDataObject | undefined) ?? {}).length;
		else count++;
	}
	return count;
}

const total = (properties: INodeProperties[], rows: IDataObject[]) =>
	rows.reduce((sum, entry) => sum + settingsShown(properties, entry), 0);

describe('Canonical Transform Fields: settings a newcomer sees', () => {
	const perConverter = CONVERTERS.map((convert) => ({
		convert,
		v11: settingsShown(FIELD_VALUES, { convert }),
		v12: settingsShown(FIELD_VALUES_V12, { convert }),
	}));
	const mappings = [
		{
			mapping: 'Xero to Canonical (16 rows)',
			v11: total(FIELD_VALUES, XERO_ROWS),
			v12: total(FIELD_VALUES_V12, XERO_ROWS_V12),
		},
		{
			mapping: 'Canonical to Ledger (15 rows)',
			v11: total(FIELD_VALUES, LEDGER_ROWS),
			v12: total(FIELD_VALUES_V12, LEDGER_ROWS_V12),
		},
	];

	it('prints the counts (settings shown per row, 1.1 → 1.2)', () => {
		console.log(
			[
				'| new row, Convert As | 1.1 | 1.2 |',
				'|---|---|---|',
				...perConverter.map(({ convert, v11, v12 }) => `| ${convert} | ${v11} | ${v12} |`),
				'| **mapping** | | |',
				...mappings.map(({ mapping, v11, v12 }) => `| ${mapping} | ${v11} | ${v12} |`),
			].join('\n'),
		);
	});

	it('a new 1.2 row shows Target Field, Value From, Source Field and Convert As (and a Value Map its map)', () => {
		for (const { convert, v12 } of perConverter)
			assert.equal(v12, convert === 'valueMap' ? 5 : 4, convert);
	});

	it('1.1 showed every setting of the converter on the row', () => {
		assert.deepEqual(Object.fromEntries(perConverter.map(({ convert, v11 }) => [convert, v11])), {
			copy: 5,
			string: 10,
			number: 8,
			boolean: 6,
			date: 9,
			money: 11,
			phone: 7,
			email: 6,
			abn: 6,
			acn: 6,
			valueMap: 8,
		});
	});

	it('the example mappings: 1.2 shows the four row settings and only the options a row uses', () => {
		assert.deepEqual(
			mappings.map(({ v11, v12 }) => [v11, v12]),
			[
				[133, 79],
				[135, 81],
			],
		);
	});

	it('a 1.2 row shows a setting once it is added to Options, and only for its converter', () => {
		assert.equal(
			settingsShown(FIELD_VALUES_V12, {
				convert: 'date',
				options: { dateOutput: 'custom', dateOutputFormat: 'dd/MM/yyyy' },
			}),
			6,
		);
		// A Text option left from another converter is not shown, nor kept.
		assert.equal(
			settingsShown(FIELD_VALUES_V12, { convert: 'date', options: { textCase: 'upper' } }),
			4,
		);
	});
});

/** Every parameter, option collection entry and option of the node, at any depth. */
function* everyParameter(
	properties: INodeProperties[],
	where = '',
): Generator<[string, INodeProperties]> {
	for (const property of properties) {
		const here = `${where}${property.displayName}`;
		yield [here, property];
		if (property.type === 'collection')
			yield* everyParameter(property.options as INodeProperties[], `${here} → `);
		if (property.type === 'fixedCollection')
			for (const group of property.options as INodePropertyCollection[])
				yield* everyParameter(group.values, `${here} → `);
	}
}

describe('Canonical Transform descriptions', () => {
	const { description } = new CanonicalTransform();
	const parameters = [...everyParameter(description.properties)];

	it('every parameter has a description, in sentence case', () => {
		const missing = parameters
			.filter(
				([, property]) => typeof property.description !== 'string' || property.description === '',
			)
			.map(([where]) => where);
		assert.deepEqual(missing, []);
		const notSentences = parameters
			.filter(([, property]) => !/^[A-Z0-9"'(]/.test(String(property.description)))
			.map(([where]) => where);
		assert.deepEqual(notSentences, []);
	});

	it('no text says $JSON or .JSON (which breaks an expression when copied), or N8n', () => {
		const texts = parameters.flatMap(([where, property]) => [
			[where, property.description, property.placeholder, property.hint, property.displayName],
			...((property.options ?? []) as INodePropertyOptions[]).map((option) => [
				`${where} → ${String(option.name)}`,
				option.description,
			]),
		]);
		const bad = texts
			.filter(([, ...text]) => /\$JSON|\.JSON\b|N8n/.test(text.join(' ')))
			.map(([where]) => where);
		assert.deepEqual(bad, []);
		assert.doesNotMatch(JSON.stringify(description), /\$JSON|\.JSON\.|N8n/);
	});
});
