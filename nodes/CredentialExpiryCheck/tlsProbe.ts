import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate } from 'node:tls';

/** What an endpoint's certificate says, read even when it does not verify. */
export interface CertificateFacts {
	ok: true;
	validFrom: number;
	validTo: number;
	subject: string;
	issuer: string;
	altNames: string[];
	fingerprint256: string;
	serialNumber: string;
	/** The chain verified against the trusted CAs and the name matched. */
	trusted: boolean;
	/** Why it did not verify (e.g. DEPTH_ZERO_SELF_SIGNED_CERT), or null. */
	trustError: string | null;
}

export interface ProbeFailure {
	ok: false;
	/** connect: the endpoint could not be reached; handshake: it was reached but TLS failed. */
	stage: 'connect' | 'handshake';
	cause: string;
}

function distinguishedName(name: unknown): string {
	if (name === null || typeof name !== 'object') return '';
	return Object.entries(name as Record<string, unknown>)
		.map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`)
		.join(', ');
}

/**
 * Connects to host:port over TLS and reads the certificate it presents. Never verifies
 * on the way in (`rejectUnauthorized: false`) so an expired or self-signed certificate
 * can still be reported; whether it would verify is reported as `trusted`.
 * Always settles within `timeoutMs` and always closes the socket.
 */
export function probeCertificate(
	host: string,
	port: number,
	serverName: string,
	timeoutMs: number,
): Promise<CertificateFacts | ProbeFailure> {
	return new Promise((resolve) => {
		let settled = false;
		let connected = false;
		const sni = serverName !== '' ? serverName : host;
		const socket = connect({
			host,
			port,
			servername: isIP(sni) === 0 ? sni : undefined,
			rejectUnauthorized: false,
			// Certificate checking is ours to report, not to enforce; make sure no client cert or session is reused.
			session: undefined,
		});
		// A deadline needs a timer: AbortSignal.timeout's (the socket keeps the process alive meanwhile).
		const deadline = AbortSignal.timeout(timeoutMs);
		const onDeadline = () =>
			finish({
				ok: false,
				stage: connected ? 'handshake' : 'connect',
				cause: `no ${connected ? 'TLS handshake' : 'connection'} within ${Math.round(timeoutMs / 1000)} s`,
			});
		const finish = (result: CertificateFacts | ProbeFailure) => {
			if (settled) return;
			settled = true;
			deadline.removeEventListener('abort', onDeadline);
			socket.destroy();
			resolve(result);
		};
		deadline.addEventListener('abort', onDeadline, { once: true });
		socket.once('connect', () => {
			connected = true;
		});
		socket.once('secureConnect', () => {
			const cert = socket.getPeerCertificate(false) as
				| DetailedPeerCertificate
				| Record<string, never>;
			if (!cert || Object.keys(cert).length === 0 || !('valid_to' in cert)) {
				finish({ ok: false, stage: 'handshake', cause: 'the endpoint presented no certificate' });
				return;
			}
			const validFrom = Date.parse(cert.valid_from);
			const validTo = Date.parse(cert.valid_to);
			if (!Number.isFinite(validTo)) {
				finish({
					ok: false,
					stage: 'handshake',
					cause: `the certificate's expiry "${cert.valid_to}" cannot be read`,
				});
				return;
			}
			const authError = socket.authorizationError;
			finish({
				ok: true,
				validFrom,
				validTo,
				subject: distinguishedName(cert.subject),
				issuer: distinguishedName(cert.issuer),
				altNames: (cert.subjectaltname ?? '')
					.split(',')
					.map((name) => name.trim())
					.filter((name) => name !== ''),
				fingerprint256: cert.fingerprint256 ?? '',
				serialNumber: cert.serialNumber ?? '',
				trusted: socket.authorized,
				trustError: socket.authorized
					? null
					: authError
						? String((authError as unknown as { code?: string }).code ?? authError)
						: 'not verified',
			});
		});
		socket.once('error', (error: NodeJS.ErrnoException) => {
			const cause = error.code ? `${error.code}: ${error.message}` : error.message;
			finish({ ok: false, stage: connected ? 'handshake' : 'connect', cause });
		});
		socket.once('close', () =>
			finish({
				ok: false,
				stage: connected ? 'handshake' : 'connect',
				cause: 'the connection closed before the TLS handshake',
			}),
		);
	});
}
