// Canonical Transform's outputs, declared once (nodes/CanonicalTransform/actions/outputs.ts):
// each operation has the one output the panel shows, unnamed, and routes by its declared
// name to index 0. Saved workflows connect outputs by index, so the count is pinned here.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { CanonicalTransform } from '../../../nodes/CanonicalTransform/CanonicalTransform.node';
import { OUTPUTS, outputNames } from '../../../nodes/CanonicalTransform/actions/outputs';
import { OutputRoutes } from '../../../nodes/shared';

describe('Canonical Transform outputs', () => {
	const shown = new CanonicalTransform().description.outputs;

	test('the panel shows one unnamed main output, whatever the operation', () => {
		assert.deepEqual(shown, ['main']);
	});

	const cases: Array<[Record<string, unknown>, string[]]> = [
		[{ operation: 'transform' }, ['Converted']],
		[{ operation: 'exportMapping' }, ['Mapping']],
		[{}, ['Converted']],
		[{ operation: 'unknown' }, ['Converted']],
	];
	for (const [parameters, expected] of cases) {
		test(`${JSON.stringify(parameters)}: ${expected.join(', ')} at the panel's one output`, () => {
			const names = outputNames(parameters, OUTPUTS);
			assert.deepEqual([...names], expected);
			assert.equal(names.length, (shown as unknown[]).length, 'as many as the panel shows');
			const routes = new OutputRoutes(names);
			assert.equal(routes.index(expected[0]), 0);
		});
	}

	test('every declared operation is an option of the Operation parameter, and the reverse', () => {
		const operation = new CanonicalTransform().description.properties.find(
			(property) => property.name === 'operation',
		);
		const values = (operation?.options ?? []).map((option) => (option as { value: string }).value);
		assert.deepEqual(values.sort(), Object.keys(OUTPUTS).sort());
	});

	test('an output an operation does not have is refused, not routed elsewhere', () => {
		const routes = new OutputRoutes(outputNames({ operation: 'transform' }, OUTPUTS));
		assert.throws(() => routes.index('Mapping' as never), /No output named "Mapping"/);
	});
});

describe('Canonical Transform panel text', () => {
	/** Every option of every options parameter, however deep in collections. */
	function options(properties: unknown[]): Array<{ name: string; description?: string }> {
		const found: Array<{ name: string; description?: string }> = [];
		for (const property of properties as Array<{ options?: unknown[]; values?: unknown[] }>) {
			for (const option of property.options ?? []) {
				const entry = option as { name: string; value?: unknown; description?: string };
				if (entry.value !== undefined) found.push(entry);
				else found.push(...options([option]));
			}
			if (property.values !== undefined) found.push(...options(property.values));
		}
		return found;
	}
	const all = options(new CanonicalTransform().description.properties);

	test('finds the options it checks', () => {
		assert.ok(all.some((option) => option.name === 'YYYY/MM/DD'));
		assert.ok(all.some((option) => option.name === 'RFC 3966 URI'));
	});

	test('no option description stops mid-phrase', () => {
		for (const option of all) {
			if (option.description === undefined) continue;
			assert.doesNotMatch(
				option.description,
				/(?:\b(?:or|and|with|of|to|a|the)|[-,:(])$/,
				`${option.name}: "${option.description}"`,
			);
		}
	});

	test('the RFC 3966 option shows a tel: URI in lower case, as the format writes it', () => {
		const rfc = all.find((option) => option.name === 'RFC 3966 URI');
		assert.match(rfc?.description ?? '', /\btel:\+61/);
		assert.doesNotMatch(rfc?.description ?? '', /^Tel:/);
	});
});
