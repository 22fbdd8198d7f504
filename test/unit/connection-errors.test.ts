// The mapping from a failed store connection to its cause and the credential field to
// fix (nodes/shared/stores/connectionErrors.ts), on the error shapes the clients throw.
// test/stores/connection-errors.test.ts checks the same against real servers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	connectionHint,
	connectionTarget,
	withConnectionHint,
	type ConnectionTarget,
} from '../../nodes/shared/stores/connectionErrors';

const redis: ConnectionTarget = {
	backend: 'redis',
	host: 'cache.internal',
	port: 6379,
	tls: false,
};
const postgres: ConnectionTarget = {
	backend: 'postgres',
	host: 'db.internal',
	port: 5432,
	tls: false,
	user: 'n8n',
	database: 'guards',
};

function coded(message: string, code: string): Error {
	return Object.assign(new Error(message), { code });
}

describe('connection errors', () => {
	it('a DNS failure: no such host, or no answer from DNS', () => {
		assert.match(
			connectionHint(coded('getaddrinfo ENOTFOUND cache.internal', 'ENOTFOUND'), redis) ?? '',
			/^The host name "cache\.internal" does not resolve.*check Host in the Integration Guards Redis Store credential/,
		);
		assert.match(
			connectionHint(coded('getaddrinfo EAI_AGAIN db.internal', 'EAI_AGAIN'), postgres) ?? '',
			/DNS server did not answer for "db\.internal".*check Host in the Integration Guards Postgres Store credential/,
		);
	});

	it('passwords: wrong, missing, or given to a server without one', () => {
		assert.match(
			connectionHint(
				new Error('WRONGPASS invalid username-password pair or user is disabled.'),
				redis,
			) ?? '',
			/^Wrong password: check Password/,
		);
		assert.match(
			connectionHint(new Error('NOAUTH Authentication required.'), redis) ?? '',
			/requires a password and none was given: check Password/,
		);
		assert.match(
			connectionHint(
				new Error(
					'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
				),
				{ ...redis, passwordGiven: true },
			) ?? '',
			/has no password set, but this credential gives one: clear Password/,
		);
		assert.match(
			connectionHint(coded('password authentication failed for user "n8n"', '28P01'), postgres) ??
				'',
			/^Wrong password for user "n8n": check User and Password/,
		);
	});

	it('TLS on one side only, and an untrusted certificate', () => {
		assert.match(
			connectionHint(coded('ssl3_get_record:wrong version number', 'EPROTO'), {
				...redis,
				tls: true,
			}) ?? '',
			/does not speak TLS, but this credential asks for it: turn off SSL/,
		);
		assert.match(
			connectionHint(new Error('The server does not support SSL connections'), {
				...postgres,
				tls: true,
			}) ?? '',
			/set SSL to Disable/,
		);
		assert.match(
			connectionHint(
				coded(
					'no pg_hba.conf entry for host "10.0.0.5", user "n8n", database "guards", no encryption',
					'28000',
				),
				postgres,
			) ?? '',
			/accepts only SSL connections from here: set SSL to Require or Verify Full/,
		);
		assert.match(
			connectionHint(coded('read ECONNRESET', 'ECONNRESET'), redis) ?? '',
			/may accept only TLS connections \(turn on SSL/,
		);
		assert.match(
			connectionHint(coded('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'), {
				...redis,
				tls: true,
			}) ?? '',
			/not trusted by this machine: paste .* CA Certificate/,
		);
	});

	it("ioredis' internal wording is replaced by what it means", () => {
		const message =
			"Redis at cache.internal:6379 (db 0): unreachable: Stream isn't writeable and enableOfflineQueue options is false";
		const explained = withConnectionHint(
			message,
			new Error("Stream isn't writeable and enableOfflineQueue options is false"),
			redis,
		);
		assert.doesNotMatch(explained, /enableOfflineQueue/);
		assert.match(
			explained,
			/^Redis at cache\.internal:6379 \(db 0\): unreachable: the connection closed before the server answered\. /,
		);
	});

	it('adds nothing to other errors, and nothing twice', () => {
		assert.equal(connectionHint(new Error('OOM command not allowed'), redis), undefined);
		assert.equal(
			connectionHint(coded('permission denied for table x', '42501'), postgres),
			undefined,
		);
		const error = coded('connect ECONNREFUSED 10.0.0.1:6379', 'ECONNREFUSED');
		const once = withConnectionHint(
			'Redis at x: unreachable: connect ECONNREFUSED 10.0.0.1:6379',
			error,
			redis,
		);
		assert.equal(withConnectionHint(once, error, redis), once);
		assert.equal(
			withConnectionHint('read failed: boom', new Error('boom'), redis),
			'read failed: boom',
		);
	});

	it('the target of a store config; none for the embedded store', () => {
		assert.equal(connectionTarget({ backend: 'sqlite', file: '/tmp/x.sqlite' }), undefined);
		assert.deepEqual(
			connectionTarget({
				backend: 'postgres',
				host: 'h',
				port: 1,
				database: 'd',
				user: 'u',
				password: 'p',
				ssl: 'require',
				schema: 'public',
				tablePrefix: 'n8n_guards_',
			}),
			{
				backend: 'postgres',
				host: 'h',
				port: 1,
				tls: true,
				user: 'u',
				database: 'd',
				passwordGiven: true,
				timeoutMs: undefined,
			},
		);
	});
});
