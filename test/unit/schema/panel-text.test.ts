// Schema Guard's panel text in n8n's voice: every parameter, at any depth (collection options,
// fixed-collection values), has a description; every option of the contract parameters says
// what it does (Evolve and Discard Item in words a newcomer reads); no text holds `$JSON` (a
// lint's casing of `$json` that breaks an expression when copied) or "N8n".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { INodeProperties, INodePropertyCollection, INodePropertyOptions } from 'n8n-workflow';

import { SchemaGuard } from '../../../nodes/SchemaGuard/SchemaGuard.node';

const description = new SchemaGuard().description;

/** Every parameter with its place in the panel, collections and fixed collections opened. */
function parameters(
	list: INodeProperties[],
	where: string[] = [],
): Array<[string, INodeProperties]> {
	const found: Array<[string, INodeProperties]> = [];
	for (const property of list) {
		const here = [...where, property.displayName];
		found.push([here.join(' → '), property]);
		if (property.type === 'collection')
			found.push(...parameters((property.options ?? []) as INodeProperties[], here));
		if (property.type === 'fixedCollection')
			for (const group of (property.options ?? []) as INodePropertyCollection[])
				found.push(...parameters(group.values ?? [], [...here, group.displayName]));
	}
	return found;
}

/** Every string in the node's description, with where it is. */
function texts(value: unknown, where: string, out: Array<[string, string]> = []) {
	if (typeof value === 'string') out.push([where, value]);
	else if (Array.isArray(value))
		value.forEach((item, index) => texts(item, `${where}[${index}]`, out));
	else if (value !== null && typeof value === 'object')
		for (const [key, item] of Object.entries(value)) texts(item, `${where}.${key}`, out);
	return out;
}

describe("Schema Guard's panel text", () => {
	it('every parameter has a description, in sentence case', () => {
		const missing: string[] = [];
		for (const [where, property] of parameters(description.properties)) {
			const text = property.description;
			if (typeof text !== 'string' || text.trim() === '') missing.push(where);
			else assert.match(text, /^[A-Z"]/, `${where}: "${text}" starts in lower case`);
		}
		assert.deepEqual(missing, [], `parameters without a description: ${missing.join('; ')}`);
	});

	it('every option of the contract parameters says what it does; Evolve and Discard Item are explained', () => {
		for (const name of ['onFieldAdded', 'onTypeChanged', 'onRequiredMissing']) {
			const property = description.properties.find((each) => each.name === name);
			assert.ok(property, name);
			const options = property.options as INodePropertyOptions[];
			for (const option of options)
				assert.ok((option.description ?? '').length > 20, `${name} → ${option.name}`);
			const said = (value: string) =>
				options.find((option) => option.value === value)?.description ?? '';
			assert.match(said('evolve'), /^Accept the change: pass the item on/);
			assert.match(said('discardRow'), /whole item.*Invalid output/);
		}
	});

	it('no text holds $JSON or "N8n"', () => {
		for (const [where, text] of texts(description, 'description')) {
			assert.ok(!text.includes('$JSON'), `${where}: ${text}`);
			assert.ok(!/\bN8n\b/.test(text), `${where}: ${text}`);
		}
	});
});
