import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	asBreakerRegistry,
	BREAKER_REGISTRY_KEY,
	BREAKER_REGISTRY_LIMIT,
	breakerKey,
	breakerNameProblem,
	registerBreaker,
} from '../../../nodes/shared/core/breaker';

describe('breaker registry', () => {
	it('keys breakers so that no name can be the registry', () => {
		assert.equal(breakerKey('salesforce'), 'breaker:salesforce');
		assert.notEqual(breakerKey(BREAKER_REGISTRY_KEY), BREAKER_REGISTRY_KEY);
	});

	it('adds a name once, sorted, and writes nothing when it is known', () => {
		const first = registerBreaker({ names: [] }, 'xero');
		assert.deepEqual(first, { names: ['xero'] });
		assert.deepEqual(registerBreaker(first!, 'crm'), { names: ['crm', 'xero'] });
		assert.equal(registerBreaker(first!, 'xero'), null);
	});

	it('stops listing names at its limit', () => {
		const full = {
			names: Array.from({ length: BREAKER_REGISTRY_LIMIT }, (_, index) => `hop-${index}`),
		};
		assert.equal(registerBreaker(full, 'one-more'), null);
	});

	it('reads a stored registry and refuses anything else', () => {
		assert.deepEqual(asBreakerRegistry(undefined), { names: [] });
		assert.deepEqual(asBreakerRegistry({ names: ['a', 3, 'b'] }), { names: ['a', 'b'] });
		assert.throws(
			() => asBreakerRegistry({ status: 'closed' }),
			/registry is not in the expected format/,
		);
	});

	it('says what is wrong with a breaker name', () => {
		assert.equal(breakerNameProblem('salesforce'), null);
		assert.equal(breakerNameProblem('  '), 'is empty');
		assert.equal(breakerNameProblem('x'.repeat(201)), 'is longer than 200 characters');
		assert.equal(breakerNameProblem('a\u0000b'), 'contains a NUL character');
	});
});
