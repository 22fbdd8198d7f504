import assert from 'node:assert/strict';

import { compileSchema, type CompiledSchema } from '../../../nodes/shared/core/schema/compile';
import {
	SchemaError,
	type Contract,
	DEFAULT_CONTRACT,
} from '../../../nodes/shared/core/schema/types';
import { checkItem, type Verdict } from '../../../nodes/shared/core/schema/validate';

/** Compiles a JSON Schema given as an object. */
export function compile(schema: unknown): CompiledSchema {
	return compileSchema({ kind: 'jsonSchema', schema });
}

export function check(
	schema: CompiledSchema,
	json: unknown,
	contract: Partial<Contract> = {},
): Verdict {
	return checkItem(schema, json, { ...DEFAULT_CONTRACT, ...contract });
}

/** `kind path` of each problem, the compact form most assertions want. */
export function problemList(verdict: Verdict): string[] {
	return verdict.problems.map((problem) => `${problem.kind} ${problem.path}`);
}

export function findingList(verdict: Verdict): string[] {
	return verdict.findings.map((finding) => `${finding.kind} ${finding.fieldPath}`);
}

/** Asserts compiling throws a SchemaError at `pointer` whose message matches. */
export function assertSchemaError(schema: unknown, pointer: string, message: RegExp): SchemaError {
	let caught: unknown;
	try {
		compile(schema);
	} catch (error) {
		caught = error;
	}
	assert.ok(caught instanceof SchemaError, `expected a SchemaError, got ${String(caught)}`);
	assert.equal(caught.pointer, pointer, caught.message);
	assert.match(caught.message, message);
	if (pointer !== '') assert.ok(caught.message.includes(pointer), 'the message names the pointer');
	return caught;
}

export const object = (
	properties: Record<string, unknown>,
	required: string[] = Object.keys(properties),
	extra: object = {},
) => ({
	type: 'object',
	properties,
	required,
	...extra,
});
