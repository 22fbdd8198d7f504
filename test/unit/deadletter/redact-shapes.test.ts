// Issue 14, finding 5: secrets in the shapes real payloads and error texts carry them.
// Each row plants one secret; the whole redaction result (value, paths) must not
// contain it. On main 18 of the issue's 20 shapes passed through.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createRedactor, REDACTED } from '../../../nodes/shared/core/deadletter';

const redactor = createRedactor();
const S = 'Zq7-s3cr3t-Vx9';
const base64 = (text: string) => Buffer.from(text).toString('base64');
const JWT = `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkFkYSJ9.${S}_sig`;
const PEM = `-----BEGIN RSA PRIVATE KEY-----\nMIIEow${S}IBAAKCAQEA\n-----END RSA PRIVATE KEY-----`;

/** [what, input, the secret that must not survive] */
const SECRETS: Array<[string, unknown, string]> = [
	// by name
	['secretKey', { secretKey: S }, S],
	['secret_key', { secret_key: S }, S],
	['X-Auth-Key', { headers: { 'X-Auth-Key': S } }, S],
	['Ocp-Apim-Subscription-Key', { headers: { 'Ocp-Apim-Subscription-Key': S } }, S],
	['passphrase', { passphrase: S }, S],
	['pwd', { pwd: S }, S],
	['credentials (an object)', { credentials: { user: 'bob', pass: S } }, S],
	['credential', { awsCredential: S }, S],
	['authorization, lower case', { headers: { authorization: `Bearer ${S}` } }, S],
	['Proxy-Authorization', { 'Proxy-Authorization': `Basic ${base64(`u:${S}`)}` }, base64(`u:${S}`)],
	['Cookie', { Cookie: `sid=${S}` }, S],
	['set-cookie list', { 'set-cookie': [`sid=${S}; HttpOnly`] }, S],
	['sessionId', { sessionId: S }, S],
	['session', { session: S }, S],
	['X-Hub-Signature-256', { 'X-Hub-Signature-256': `sha256=${S}` }, S],
	['client_secret', { client_secret: S }, S],
	['AWS_SECRET_ACCESS_KEY', { env: { AWS_SECRET_ACCESS_KEY: S } }, S],
	['X-Amz-Security-Token', { 'X-Amz-Security-Token': S }, S],
	['x-csrf-token', { 'x-csrf-token': S }, S],
	['dbPassword2', { dbPassword2: S }, S],
	['oauth settings', { oauth: { clientId: 'id', refresh: S } }, S],
	['a bare key, judged with its parent (apiKey)', { api: { key: S } }, S],
	['a bare key under a credential parent', { license: { key: S } }, S],
	[
		'a vendor key under a bare key',
		{ key: `sk_live_${S.replace(/-/g, '')}abc` },
		`sk_live_${S.replace(/-/g, '')}abc`,
	],
	['a bare token under a vendor name', { stripe: { token: S } }, S],
	['a numeric secret', { pin_password: 12345678 }, '12345678'],
	// header lists
	[
		'rawHeaders (flat name, value, name, value)',
		{ rawHeaders: ['Host', 'api.test', 'Authorization', `Token ${S}`, 'Accept', '*/*'] },
		S,
	],
	['a [name, value] pair', { entries: [['x-api-key', S]] }, S],
	[
		'{ name, value } header parameters',
		{ headerParameters: { parameters: [{ name: 'X-Api-Key', value: S }] } },
		S,
	],
	['a Map of headers', { headers: new Map([['apiKey', S]]) }, S],
	// in text
	['a header line X-Api-Key: …', { log: `GET /v1/orders\nX-Api-Key: ${S}\nAccept: */*` }, S],
	['Authorization: Token …', { message: `Authorization: Token ${S}` }, S],
	['a short Bearer token', { message: 'Authorization: Bearer ab12cd' }, 'ab12cd'],
	[
		'Bearer in a curl line',
		{ note: `curl -H "Authorization: Bearer ${S}" https://api.test/v1` },
		S,
	],
	['redis://:password@host', { url: `redis://:${S}@cache.internal:6379/0` }, S],
	['postgres://user:password@host', { dsn: `postgres://app:${S}@db:5432/app` }, S],
	['a password containing @', { dsn: `redis://:${S}@x@cache:6379` }, S],
	[
		'mongodb+srv with options',
		{ uri: `mongodb+srv://u:${S}@cluster0.abc.mongodb.net/?retryWrites=true` },
		S,
	],
	['a JWT in text', { description: `token rejected: ${JWT}` }, JWT.split('.')[2]],
	[
		'{ "password": "…" } in a string holding JSON',
		{ body: `{ "password": "${S}", "user": "bob" }` },
		S,
	],
	[
		'a secret object in JSON text',
		{ body: `{"user":{"credentials":{"user":"bob","pass":"${S}"}}}` },
		S,
	],
	['escaped JSON in a string', { message: `upstream said {\\"api_key\\":\\"${S}\\"}` }, S],
	[
		'a number under a secret name in JSON text',
		{ body: '{"apiKey": 90817263, "id": 1}' },
		'90817263',
	],
	['a secret query parameter', { url: `https://api.test/v1?access_token=${S}&page=2` }, S],
	['a form body', { body: `grant_type=client_credentials&client_secret=${S}` }, S],
	['an environment line', { log: `PGPASSWORD=${S} psql -h db` }, S],
	['a command-line flag', { cmd: `deploy --api-key=${S} --env prod` }, S],
	['YAML', { config: `user: bob\npassword: ${S}\nport: 5432` }, S],
	['a Cookie header line', { raw: `Cookie: session=${S}; theme=dark` }, S],
	['a Basic credential in text', { message: `Basic ${base64(`user:${S}`)}` }, base64(`user:${S}`)],
	[
		'a Stripe secret key',
		{ message: `invalid key sk_live_${S.replace(/-/g, '')}abc` },
		`sk_live_${S.replace(/-/g, '')}abc`,
	],
	['a Stripe webhook secret', { note: 'whsec_a1B2c3D4e5F6g7H8' }, 'whsec_a1B2c3D4e5F6g7H8'],
	[
		'a GitHub token',
		{ note: 'used ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8' },
		'ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8',
	],
	[
		'a Slack bot token',
		{ note: 'xoxb-123456789012-123456789012-a1B2c3D4e5F6' },
		'xoxb-123456789012-123456789012-a1B2c3D4e5F6',
	],
	['an AWS access key id', { note: 'AKIAIOSFODNN7EXAMPLE in us-east-1' }, 'AKIAIOSFODNN7EXAMPLE'],
	[
		'a Google API key',
		{ note: 'AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q' },
		'AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q',
	],
	[
		'an OpenAI project key',
		{ note: 'sk-proj-a1B2c3D4e5F6g7H8i9J0k1L2' },
		'sk-proj-a1B2c3D4e5F6g7H8i9J0k1L2',
	],
	['a GitLab token', { note: 'glpat-a1B2c3D4e5F6g7H8i9J0' }, 'glpat-a1B2c3D4e5F6g7H8i9J0'],
	[
		'a SendGrid key',
		{ note: 'SG.a1B2c3D4e5F6g7H8i9J0kL.m1N2o3P4q5R6s7T8u9V0w1X2y3Z4' },
		'SG.a1B2c3D4e5F6g7H8i9J0kL.m1N2o3P4q5R6s7T8u9V0w1X2y3Z4',
	],
	['a PEM private key', { note: `key:\n${PEM}\nend` }, `MIIEow${S}`],
	['a PEM private key cut off', { note: `-----BEGIN PRIVATE KEY-----\nMIIEv${S}` }, `MIIEv${S}`],
	[
		'a Slack webhook URL',
		{ url: `https://hooks.slack.com/services/T0001/B0001/${S.replace(/-/g, '')}` },
		S.replace(/-/g, ''),
	],
	['a Discord webhook URL', { url: `https://discord.com/api/webhooks/1234567890/${S}` }, S],
	[
		'an Error carrying a key in its message',
		{ error: new Error(`request to https://api.test?api_key=${S} failed`) },
		S,
	],
];

/** [what, input]: values that must come back exactly as they went in. */
const KEPT: Array<[string, Record<string, unknown>]> = [
	[
		'an idempotency key',
		{ idempotencyKey: 'order-42', idempotency_key: 'order-43', 'Idempotency-Key': 'order-44' },
	],
	[
		'the Claim node output (idempotency.key)',
		{ idempotency: { key: 'a'.repeat(64), status: 'claimed' } },
	],
	[
		'record keys: Jira issues, S3 objects, cache entries',
		{
			key: 'PROJ-123',
			issues: [{ key: 'PROJ-1' }],
			s3: { object: { key: 'invoices/2024/42.pdf' } },
			costGuardCache: { key: 'f'.repeat(64) },
		},
	],
	[
		'amounts, names, e-mail',
		{ amount: 4200, currency: 'EUR', customer: { name: 'Ada Lovelace', email: 'ada@example.com' } },
	],
	[
		'pagination tokens and usage counts',
		{ nextPageToken: 'p2', page: { token: 'p3' }, usage: { total_tokens: 123, max_tokens: 400 } },
	],
	[
		'record identifiers ending in key',
		{
			primaryKey: 'id',
			sortKey: 'createdAt',
			partitionKey: 'tenant-1',
			publicKey: 'ssh-ed25519 AAAA',
		},
	],
	[
		'name/value metadata',
		{
			metadata: [
				{ key: 'orderId', value: '42' },
				{ name: 'colour', value: 'red' },
			],
		},
	],
	['author and keyboard', { author: 'Ada', keyboard: 'qwerty', monkeys: 3 }],
	[
		'prose and URLs',
		{
			note: 'Basic information about the order. Error: Request failed with status code 422; see https://example.com/orders/123?ref=mail',
		},
	],
	[
		'log lines with harmless names',
		{ log: 'note: call after 5pm\nstatus=shipped&carrier=dhl\ntime: 12:30' },
	],
	[
		'a JSON error body',
		{ body: '{"error":"invalid","detail":"amount must be positive","code":42}' },
	],
	[
		'booleans and empty values under secret names',
		{ twoFactorAuth: true, token: '', password: null },
	],
];

describe('redaction: at least 40 secret shapes', () => {
	assert.ok(SECRETS.length >= 40, `${SECRETS.length} shapes`);
	for (const [what, input, secret] of SECRETS) {
		it(what, () => {
			const result = redactor.redact(input);
			const text = JSON.stringify(result);
			assert.ok(!text.includes(secret), `the secret survived: ${JSON.stringify(result.value)}`);
			assert.ok(result.count > 0, 'counted');
			assert.ok(text.includes(REDACTED));
		});
	}
});

describe('redaction: what is not a secret stays', () => {
	for (const [what, input] of KEPT) {
		it(what, () => {
			const result = redactor.redact(input);
			assert.deepEqual(result.value, input);
			assert.equal(result.count, 0);
		});
	}

	it('keeps the auth scheme in front of a redacted header value', () => {
		assert.deepEqual(redactor.redact({ log: 'Authorization: Bearer abc123def' }).value, {
			log: `Authorization: Bearer ${REDACTED}`,
		});
		assert.deepEqual(redactor.redact({ body: '{"Authorization":"Token abc"}' }).value, {
			body: `{"Authorization":"Token ${REDACTED}"}`,
		});
	});

	it('keeps JSON text valid when it redacts in it', () => {
		const { value } = redactor.redact({
			body: '{"user":"bob","password":"p\\"w","nested":{"token":"t"},"list":[1,2],"keep":true}',
		});
		assert.deepEqual(JSON.parse((value as { body: string }).body), {
			user: 'bob',
			password: REDACTED,
			nested: { token: REDACTED },
			list: [1, 2],
			keep: true,
		});
	});
});

describe('Fields to Redact adds to the defaults', () => {
	it('a user entry redacts its fields and the defaults stay', () => {
		const custom = createRedactor(['ssn', 'iban']);
		assert.deepEqual(
			custom.redact({ ssn: '123', customer_IBAN: 'DE00', token: 't', amount: 1 }).value,
			{
				ssn: REDACTED,
				customer_IBAN: REDACTED,
				token: REDACTED,
				amount: 1,
			},
		);
		assert.deepEqual(custom.redact({ note: 'ssn: 078-05-1120' }).value, {
			note: `ssn: ${REDACTED}`,
		});
	});

	it('the old default list passed again changes nothing', () => {
		const old = [
			'authorization',
			'cookie',
			'apikey',
			'token',
			'secret',
			'password',
			'passwd',
			'privatekey',
			'accesskey',
			'sessionid',
			'auth',
		];
		const input = { passphrase: 'p', idempotencyKey: 'k', rawHeaders: ['Cookie', 'c'] };
		assert.deepEqual(createRedactor(old).redact(input).value, createRedactor().redact(input).value);
	});
});
