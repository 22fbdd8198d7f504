// Idempotent Write, Circuit Breaker and Cost Guard in a newcomer's eyes: every parameter
// (options of collections and fixed collections too) says what it does, in n8n's voice,
// and the shipped examples use the versions that pair second operations with their first
// and never send the guards' fields to the vendor.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import type { INodeProperties, INodePropertyCollection, INodeType } from 'n8n-workflow';

const root = path.resolve(__dirname, '../../..');

function loadNode(folder: string): INodeType {
	const compiled = path.join(root, 'build', 'nodes', folder, `${folder}.node.js`);
	const exported = require(compiled) as Record<string, new () => INodeType>;
	const [Ctor] = Object.values(exported);
	return new Ctor();
}

/** Every parameter, nested ones too, with where it is. */
function* parameters(
	properties: INodeProperties[],
	where: string[] = [],
): Generator<{ where: string; property: INodeProperties }> {
	for (const property of properties) {
		const here = [...where, property.displayName];
		yield { where: here.join(' → '), property };
		if (property.type === 'collection')
			yield* parameters((property.options ?? []) as INodeProperties[], here);
		if (property.type === 'fixedCollection')
			for (const group of (property.options ?? []) as INodePropertyCollection[])
				yield* parameters(group.values ?? [], [...here, group.displayName]);
	}
}

/** Texts a user reads: labels, descriptions, hints, placeholders, option names and descriptions. */
function texts(property: INodeProperties): string[] {
	const own = [property.displayName, property.description, property.hint, property.placeholder];
	const choices =
		property.type === 'options' || property.type === 'multiOptions'
			? ((property.options ?? []) as Array<{ name: string; description?: string }>).flatMap(
					(option) => [option.name, option.description],
				)
			: [];
	return [...own, ...choices].filter((text): text is string => typeof text === 'string');
}

const NODES = ['IdempotentWrite', 'CircuitBreaker', 'CostGuard'];

describe('Idempotent Write, Circuit Breaker and Cost Guard: parameters a newcomer can read', () => {
	for (const folder of NODES) {
		const node = loadNode(folder);
		const name = node.description.displayName;
		it(`${name}: every parameter has a description, in sentence case`, () => {
			const missing: string[] = [];
			const shouting: string[] = [];
			for (const { where, property } of parameters(node.description.properties)) {
				// A notice is its own text; Operation's choices and the Options collection's
				// entries carry the descriptions, as on n8n's own nodes.
				if (property.type === 'notice') continue;
				if (where === 'Operation' || where === 'Options') continue;
				const description = property.description?.trim() ?? '';
				if (description === '') missing.push(where);
				else if (!/^[A-Z0-9'"(]|^e\.g\./.test(description))
					shouting.push(`${where}: ${description}`);
			}
			assert.deepEqual([...new Set(missing)], [], `${name}: parameters without a description`);
			assert.deepEqual(shouting, [], `${name}: descriptions that do not start a sentence`);
		});
		it(`${name}: no $JSON and no "N8n" in any text`, () => {
			const wrong = [...parameters(node.description.properties)].flatMap(({ where, property }) =>
				texts(property)
					.filter((text) => text.includes('$JSON') || /\bN8n\b/.test(text))
					.map((text) => `${where}: ${text}`),
			);
			assert.deepEqual(wrong, []);
		});
	}
});

describe('the examples of the paired nodes', () => {
	const GUARDS: Record<string, number> = {
		'n8n-nodes-integration-guards.idempotentWrite': 3,
		'n8n-nodes-integration-guards.circuitBreaker': 1.2,
		'n8n-nodes-integration-guards.costGuard': 1.2,
	};
	const SECOND = new Set([
		'complete',
		'release',
		'markOutcomeUnknown',
		'record',
		'recordUsage',
		'cacheStore',
	]);
	for (const file of [
		'idempotent-write-invoices.json',
		'queue-mode-exactly-once.json',
		'circuit-breaker.json',
		'cost-guard-ai-agent.json',
		'cost-guard-llm-enrichment.json',
	]) {
		const workflow = JSON.parse(readFileSync(path.join(root, 'examples', file), 'utf8')) as {
			nodes: Array<{
				name: string;
				type: string;
				typeVersion: number;
				parameters: Record<string, unknown>;
			}>;
		};
		it(`${file}: guards at the pairing versions, second operations without a retyped Scope or name`, () => {
			const guards = workflow.nodes.filter((node) => node.type in GUARDS);
			assert.ok(guards.length > 0);
			for (const node of guards) {
				assert.equal(node.typeVersion, GUARDS[node.type], node.name);
				if (SECOND.has(String(node.parameters.operation))) {
					for (const retyped of ['scope', 'breakerName', 'budgetName', 'scopeFrom'])
						assert.equal(node.parameters[retyped], undefined, `${node.name} → ${retyped}`);
				}
			}
		});
		it(`${file}: no vendor call sends the whole item (where the guards' fields are)`, () => {
			const calls = workflow.nodes.filter((node) => node.type === 'n8n-nodes-base.httpRequest');
			for (const node of calls) {
				const body = JSON.stringify(
					node.parameters.jsonBody ?? node.parameters.bodyParameters ?? '',
				);
				assert.doesNotMatch(body, /JSON\.stringify\(\$json\)|\{\{\s*\$json\s*\}\}/, node.name);
				assert.doesNotMatch(
					body,
					/idempotentWrite|idempotency|circuitBreaker|costGuard|correlationId/,
					node.name,
				);
				if (node.parameters.sendBody === true)
					assert.notEqual(node.parameters.contentType, 'multipart-form-data', node.name);
			}
		});
	}
});
