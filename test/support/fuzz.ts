/**
 * Random and adversarial JSON for the per-node fuzz tests (issue 14): deep, wide, huge
 * strings, hostile keys, invalid UTF-16, wrong types, and planted secrets.
 *
 * Use it through the engine harness:
 *
 *   for (const fuzz of fuzzCases({ seed: 14 })) {
 *     it(fuzz.name, async () => {
 *       const result = await withinMs(20_000, fuzz.name, () => runWorkflow({ workflow: guardAfterSource(fuzz.items) }));
 *       assertEachInputLeavesOnce(result, 'Guard');           // every item out exactly once
 *       assertNoSecretLeak(result, 'Guard', fuzz.secrets);     // no planted secret moved
 *     });
 *   }
 *
 * `items` is a JSON string for `test.source` (lone surrogates survive JSON.stringify's
 * escapes, `__proto__` comes back as an own key through JSON.parse, exactly as a webhook
 * body would). A failing case names its seed, so `fuzzCases({ seed, only: name })`
 * replays it.
 */
import assert from 'node:assert/strict';
import type { INodeExecutionData } from 'n8n-workflow';

export interface FuzzCase {
	name: string;
	/** The items' json as a JSON array text, for `test.source`'s `items` parameter. */
	items: string;
	/** Secret values planted in the items: none may appear on an output except where the input held it. */
	secrets: string[];
	/** Approximate size of the items' JSON in bytes. */
	bytes: number;
}

export interface FuzzOptions {
	seed?: number;
	/** How many random-JSON cases besides the fixed adversarial ones (default 6). */
	random?: number;
	/** Size of the huge-string cases in bytes (default 1 MiB). */
	hugeBytes?: number;
	/** Only the case with this name (to replay a failure). */
	only?: string;
}

/** mulberry32: a small seeded generator, so every case can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const HOSTILE_KEYS = [
	'__proto__',
	'constructor',
	'prototype',
	'toString',
	'hasOwnProperty',
	'',
	' ',
	'a.b',
	'a[0]',
	'[*]',
	'$json',
	'{{ 1 }}',
	'\u0000',
	'k'.repeat(300),
];
const ODD_STRINGS = [
	'',
	' ',
	'\ud800',
	'\udc00x',
	'x\ud83d',
	'\u0000',
	'\u202e',
	'null',
	'undefined',
	'NaN',
	'-0',
	'1e309',
	'0x10',
	'{{ $json }}',
	'=1+1',
	'<script>',
	"'; DROP TABLE x;--",
	'../../etc/passwd',
	'%00',
	'é',
	'😀'.repeat(5),
];
const ODD_NUMBERS = [
	0,
	-0,
	1,
	-1,
	0.1,
	1e308,
	-1e308,
	5e-324,
	Number.MAX_SAFE_INTEGER + 2,
	2 ** 53,
	123456789.125,
	0.1 + 0.2,
];

/** Secrets in the shapes a vendor or a webhook carries them; each value is unique and searchable. */
function plantSecrets(random: () => number): { json: Record<string, unknown>; secrets: string[] } {
	const token = (prefix: string) =>
		`${prefix}${Math.floor(random() * 1e12).toString(36)}SECRETz${Math.floor(random() * 1e12).toString(36)}`;
	const password = token('pw');
	const apiKey = token('sk_live_');
	const bearer = token('tok');
	const cookie = token('sess');
	const inText = token('ak');
	return {
		json: {
			password,
			apiKey,
			headers: { authorization: `Bearer ${bearer}`, cookie: `session=${cookie}` },
			note: `X-Api-Key: ${inText}`,
		},
		secrets: [password, apiKey, bearer, cookie, inText],
	};
}

function randomValue(random: () => number, depth: number): unknown {
	const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
	const roll = random();
	if (depth <= 0 || roll < 0.35) {
		const kind = Math.floor(random() * 6);
		if (kind === 0) return pick(ODD_STRINGS);
		if (kind === 1) return pick(ODD_NUMBERS);
		if (kind === 2) return random() < 0.5;
		if (kind === 3) return null;
		if (kind === 4) return Math.floor(random() * 1e6).toString(36);
		return String.fromCharCode(
			...Array.from({ length: Math.floor(random() * 20) }, () => Math.floor(random() * 0x10000)),
		);
	}
	if (roll < 0.6)
		return Array.from({ length: Math.floor(random() * 6) }, () => randomValue(random, depth - 1));
	const object: Record<string, unknown> = {};
	const width = Math.floor(random() * 8);
	for (let i = 0; i < width; i++) {
		const key =
			random() < 0.3
				? pick(HOSTILE_KEYS)
				: pick([
						'id',
						'email',
						'amount',
						'name',
						'status',
						'items',
						'data',
						'type',
						'correlationId',
					]);
		Object.defineProperty(object, key, {
			value: randomValue(random, depth - 1),
			enumerable: true,
			writable: true,
			configurable: true,
		});
	}
	return object;
}

function deep(depth: number): unknown {
	let value: unknown = { leaf: 'bottom' };
	for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { nested: value } : [value];
	return value;
}

function wide(keys: number): Record<string, unknown> {
	const object: Record<string, unknown> = {};
	for (let i = 0; i < keys; i++) object[`field${i}`] = i % 3 === 0 ? `v${i}` : i;
	return object;
}

/** Serialises items whose own `__proto__` keys must survive (JSON.stringify keeps own keys). */
function caseOf(name: string, items: unknown[], secrets: string[]): FuzzCase {
	const text = JSON.stringify(items);
	return { name, items: text, secrets, bytes: Buffer.byteLength(text) };
}

/**
 * The fixed adversarial cases, then `random` random ones. Every item also carries
 * planted secrets (except where noted), so a leak check runs on every case.
 */
export function fuzzCases(options: FuzzOptions = {}): FuzzCase[] {
	const seed = options.seed ?? 14;
	const random = seededRandom(seed);
	const huge = options.hugeBytes ?? 1024 * 1024;
	const cases: FuzzCase[] = [];
	const add = (name: string, build: (planted: Record<string, unknown>) => unknown[]) => {
		const { json, secrets } = plantSecrets(random);
		cases.push(caseOf(`${name} (seed ${seed})`, build(json), secrets));
	};

	add('empty and scalar-ish items', (s) => [
		{},
		{ ...s },
		{ id: null },
		{ id: '' },
		{ id: [] },
		{ id: {} },
	]);
	add('wrong types in common fields', (s) => [
		{
			...s,
			id: { nested: true },
			email: 42,
			amount: 'NaN',
			correlationId: { x: 1 },
			items: 'not a list',
		},
		{ ...s, id: 1e308, amount: -0, status: [null], correlationId: 12 },
	]);
	add('hostile keys', (s) => [
		JSON.parse(
			`{"__proto__": {"polluted": true, "id": "proto"}, "constructor": {"prototype": {"polluted": true}}, "id": "a", "password": ${JSON.stringify(s.password)}}`,
		) as unknown,
		Object.fromEntries([...HOSTILE_KEYS.map((key, i) => [key, `value${i}`]), ...Object.entries(s)]),
	]);
	add('invalid UTF-16 and control characters', (s) => [
		{
			...s,
			id: '\ud800',
			name: 'x\udc00y',
			email: '\u0000@\u202e.com',
			note: `${String(s.note)}\ud800`,
		},
	]);
	add(`deep nesting (400 levels)`, (s) => [{ ...s, id: 'deep', data: deep(400) }]);
	add('wide object (20,000 keys)', (s) => [{ ...wide(20_000), ...s, id: 'wide' }]);
	add(`huge strings (${Math.round(huge / 1024)} KiB)`, (s) => [
		{ ...s, id: 'huge', text: 'x'.repeat(huge) },
		{ ...s, id: 'jwt-like', text: 'eyJ-'.repeat(Math.floor(huge / 4)) },
		{ ...s, id: 'url-like', text: `${'a.'.repeat(Math.floor(huge / 2))}://` },
		{ ...s, id: 'backtrack', text: `${'a'.repeat(Math.min(huge, 100_000))}!` },
	]);
	add('many items (2,000)', (s) =>
		Array.from({ length: 2_000 }, (_, i) => ({ ...s, id: `i${i % 50}`, amount: i })),
	);
	const randomCount = options.random ?? 6;
	for (let i = 0; i < randomCount; i++) {
		add(`random JSON #${i + 1}`, (s) =>
			Array.from({ length: 1 + Math.floor(random() * 5) }, () => ({
				...s,
				payload: randomValue(random, 6),
			})),
		);
	}
	return options.only === undefined ? cases : cases.filter((fuzz) => fuzz.name === options.only);
}

/** Runs `run`, failing the test (not hanging it) when it takes longer than `ms`. */
export async function withinMs<T>(ms: number, label: string, run: () => Promise<T>): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const deadline = new Promise<never>((_, reject) => {
		timer = setTimeout(
			() =>
				reject(new Error(`${label}: no answer within ${ms} ms (a hang or an event-loop stall)`)),
			ms,
		);
	});
	try {
		return await Promise.race([run(), deadline]);
	} finally {
		clearTimeout(timer);
	}
}

/** Every path (as keys) in `value` whose string contains `needle` (bounded walk, cycles skipped). */
function pathsContaining(
	value: unknown,
	needle: string,
	path: string[] = [],
	seen = new Set<unknown>(),
	found: string[][] = [],
): string[][] {
	if (found.length >= 10) return found;
	if (typeof value === 'string') {
		if (value.includes(needle)) found.push(path);
	} else if (typeof value === 'object' && value !== null && !seen.has(value)) {
		seen.add(value);
		for (const key of Object.keys(value)) {
			pathsContaining((value as Record<string, unknown>)[key], needle, [...path, key], seen, found);
		}
	}
	return found;
}

function valueAt(root: unknown, path: string[]): unknown {
	let value = root;
	for (const key of path) {
		if (
			typeof value !== 'object' ||
			value === null ||
			!Object.prototype.hasOwnProperty.call(value, key)
		)
			return undefined;
		value = (value as Record<string, unknown>)[key];
	}
	return value;
}

/**
 * No planted secret moved: on every output of the node (error output included), a secret
 * may only appear where its paired input item held the same value at the same path (the
 * item passed through as the user's data). A secret copied into a report, an error
 * message, `details` or a record fails the test, naming the output and the path.
 */
export function assertNoSecretLeak(
	result: {
		nodes: Record<
			string,
			{
				runs: Array<{
					outputs: INodeExecutionData[][];
					outputNames: string[];
					inputs: INodeExecutionData[][];
				}>;
			}
		>;
	},
	nodeName: string,
	secrets: string[],
): void {
	const problems: string[] = [];
	for (const run of result.nodes[nodeName]?.runs ?? []) {
		run.outputs.forEach((items, outputIndex) => {
			items.forEach((item, itemIndex) => {
				const paired = Array.isArray(item.pairedItem) ? item.pairedItem[0] : item.pairedItem;
				const pairedIndex = typeof paired === 'number' ? paired : paired?.item;
				const pairedInput = typeof paired === 'object' && paired !== null ? (paired.input ?? 0) : 0;
				const source =
					pairedIndex === undefined ? undefined : run.inputs[pairedInput]?.[pairedIndex]?.json;
				for (const secret of secrets) {
					for (const path of pathsContaining(item.json, secret)) {
						if (source !== undefined && valueAt(source, path) === valueAt(item.json, path))
							continue;
						problems.push(
							`output ${outputIndex} (${run.outputNames[outputIndex]}) item ${itemIndex} at ${['$', ...path].join('.')}`,
						);
					}
				}
			});
		});
	}
	assert.deepEqual(problems, [], `"${nodeName}" moved a secret from its input to a new place`);
}
