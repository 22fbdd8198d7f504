/**
 * What a failed connection to a store means, in words a builder can act on: the cause
 * (a host name that does not resolve, nothing listening, a wrong password, TLS on one
 * side only, a password the server has no use for) and the field of the credential to
 * change. One mapping for the credential's Test button and for the stores' own errors,
 * so both say the same. Pure: no n8n, no client library; it reads error codes and texts.
 *
 * The explanation is appended to the store's message, which keeps its form
 * (`Redis at host:port (db 0): unreachable: <cause>`), so the raw cause stays visible.
 */
import { errorCode } from '../core/errors/network';
import type { StoreConfig } from './types';

export interface ConnectionTarget {
	backend: 'redis' | 'postgres';
	host: string;
	port: number;
	/** Whether the credential asks for TLS (Redis: SSL on; Postgres: SSL other than Disable). */
	tls: boolean;
	user?: string;
	database?: string;
	/** Whether the credential gives a password. */
	passwordGiven?: boolean;
	/** Connect timeout, ms, for the wording of a timeout. */
	timeoutMs?: number;
}

const CREDENTIAL: Record<ConnectionTarget['backend'], string> = {
	redis: 'Integration Guards Redis Store',
	postgres: 'Integration Guards Postgres Store',
};
const LABEL: Record<ConnectionTarget['backend'], string> = { redis: 'Redis', postgres: 'Postgres' };

/**
 * ioredis' own words for "the socket closed before the server answered": they describe
 * the client's state, not the cause. Linear: literals only.
 */
const CLIENT_INTERNALS =
	/Stream isn't writeable and enableOfflineQueue options is false|Connection is closed\.?/;

/** Where a store config points, for the explanations; undefined for the embedded store. */
export function connectionTarget(config: StoreConfig): ConnectionTarget | undefined {
	if (config.backend === 'redis')
		return {
			backend: 'redis',
			host: config.host,
			port: config.port,
			tls: config.tls,
			user: config.username || undefined,
			passwordGiven: Boolean(config.password),
			timeoutMs: config.timeoutMs,
		};
	if (config.backend === 'postgres')
		return {
			backend: 'postgres',
			host: config.host,
			port: config.port,
			tls: config.ssl !== 'disable',
			user: config.user,
			database: config.database,
			passwordGiven: Boolean(config.password),
			timeoutMs: config.timeoutMs,
		};
	return undefined;
}

function messageOf(error: unknown): string {
	if (error instanceof AggregateError && error.errors.length > 0)
		return error.errors.map(messageOf).join('; ');
	if (error instanceof Error) return error.message || error.name;
	return String(error);
}

function address(target: ConnectionTarget): string {
	return target.host.includes(':') && !target.host.startsWith('[')
		? `[${target.host}]:${target.port}`
		: `${target.host}:${target.port}`;
}

/**
 * The cause of a failed connection and what to change in the credential, as one or two
 * sentences; undefined when the error is not one of the connection failures named here
 * (a full disk, a missing permission: the store's own message says those).
 */
export function connectionHint(error: unknown, target: ConnectionTarget): string | undefined {
	const code = errorCode(error) ?? '';
	const text = messageOf(error);
	const label = LABEL[target.backend];
	const where = address(target);
	const fix = (fields: string) => `check ${fields} in the ${CREDENTIAL[target.backend]} credential`;
	const sslField = target.backend === 'redis' ? 'SSL' : 'SSL (Disable)';

	// A port number typed into Host: whatever the client then says, this is the cause.
	if (/^\d+$/.test(target.host))
		return `Host "${target.host}" is a number, not a host name: put the server's name or IP address in Host and the port number in Port of the ${CREDENTIAL[target.backend]} credential.`;
	// Settings a server refuses: checked first, their texts are the most specific.
	if (/called without any password configured|no password is set/i.test(text))
		return `The server has no password set, but this credential gives one: clear Password in the ${CREDENTIAL[target.backend]} credential (or set a password on the server).`;
	if (code === '28P01')
		return `Wrong password for user "${target.user ?? ''}": ${fix('User and Password')}.`;
	if (/^WRONGPASS|invalid username-password pair/i.test(text))
		return target.user
			? `The server refused user "${target.user}" with this password (a wrong password, or a user that does not exist or is disabled): ${fix('User and Password')}.`
			: `Wrong password: ${fix('Password')} (and User, if the server uses ACL users).`;
	if (/^NOAUTH/i.test(text))
		return `The server requires a password and none was given: ${fix('Password')}.`;
	if (code === '28000' && /no pg_hba\.conf entry.*no encryption/i.test(text))
		return `The server accepts only SSL connections from here: set SSL to Require or Verify Full in the ${CREDENTIAL.postgres} credential.`;
	if (code === '28000' && /role .* does not exist/i.test(text))
		return `The server has no user "${target.user ?? ''}": ${fix('User')}.`;
	if (code === '3D000')
		return `The server has no database "${target.database ?? ''}": ${fix('Database')} (or create the database).`;

	// TLS on one side only, or a certificate this machine does not trust.
	if (/does not support SSL/i.test(text))
		return `The server does not use SSL, but this credential asks for it: set SSL to Disable in the ${CREDENTIAL.postgres} credential (or turn SSL on at the server).`;
	if (
		target.tls &&
		/wrong version number|packet length too long|unknown protocol|ERR_SSL_|EPROTO/i.test(
			`${code} ${text}`,
		)
	)
		return `The server at ${where} does not speak TLS, but this credential asks for it: turn off ${sslField} in the ${CREDENTIAL[target.backend]} credential (or check Port: TLS often has a port of its own).`;
	if (target.tls && /ETIMEDOUT|timed out|timeout/i.test(`${code} ${text}`))
		return `No TLS handshake with ${where} within ${target.timeoutMs ?? 5000} ms: the server may not use TLS (turn off ${sslField} in the ${CREDENTIAL[target.backend]} credential), or a firewall drops the connection (check Host and Port).`;
	if (
		/self[- ]signed certificate|unable to verify the first certificate|unable to get local issuer|certificate has expired|CERT_|Hostname\/IP does not match/i.test(
			`${code} ${text}`,
		)
	)
		return `The server's TLS certificate is not trusted by this machine: paste the certificate authority that signed it into CA Certificate in the ${CREDENTIAL[target.backend]} credential${target.backend === 'redis' ? ', or turn on Ignore SSL Issues (insecure)' : ', or set SSL to Require (no verification)'}.`;
	if (
		!target.tls &&
		target.backend === 'redis' &&
		(code === 'ECONNRESET' || /ECONNRESET|Connection is closed|Stream isn't writeable/i.test(text))
	)
		return `${label} at ${where} closed the connection as soon as it was opened: it may accept only TLS connections (turn on SSL in the ${CREDENTIAL.redis} credential), or another service listens there (check Host and Port).`;

	// Where the server is.
	if (code === 'ENOTFOUND' || /\bENOTFOUND\b/.test(text))
		return `The host name "${target.host}" does not resolve (no such host in DNS): ${fix('Host')}; in Docker or queue mode use the name every n8n process resolves.`;
	if (code === 'EAI_AGAIN' || /\bEAI_AGAIN\b/.test(text))
		return `The DNS server did not answer for "${target.host}" (a temporary failure): check the DNS of the n8n machine, then ${fix('Host')}.`;
	if (code === 'ECONNREFUSED' || /\bECONNREFUSED\b/.test(text))
		return `Nothing listens at ${where}: ${fix('Host and Port')}, and that ${label} runs there.`;
	if (/EHOSTUNREACH|ENETUNREACH/.test(`${code} ${text}`))
		return `There is no network route to ${target.host}: ${fix('Host')}, and the network between n8n and ${label}.`;
	if (/ETIMEDOUT|timed out|timeout/i.test(`${code} ${text}`))
		return `No answer from ${where} within ${target.timeoutMs ?? 5000} ms: a firewall may drop the connection, or ${fix('Host and Port')}.`;
	if (/Protocol error|unexpected message|got ".*" as reply type/i.test(text))
		return `Something other than ${label} answers at ${where}: ${fix('Host and Port')}.`;
	if (CLIENT_INTERNALS.test(text))
		return `The connection to ${where} closed before ${label} answered: ${fix('Host and Port')}${target.tls ? ', and whether the server uses TLS' : ''}.`;
	return undefined;
}

/**
 * A store's error message with the explanation appended (`… unreachable: <cause>. <hint>`),
 * and ioredis' internal wording replaced by what it means. Unchanged when there is no hint.
 */
export function withConnectionHint(
	message: string,
	error: unknown,
	target: ConnectionTarget,
): string {
	const hint = connectionHint(error, target);
	if (!hint || message.includes(hint)) return message;
	const cleaned = message
		.replace(
			new RegExp(CLIENT_INTERNALS.source, 'g'),
			'the connection closed before the server answered',
		)
		.replace(/[.\s]+$/, '');
	return `${cleaned}. ${hint}`;
}
