/**
 * A loopback TLS server with a short-lived self-signed certificate made for the test by
 * `openssl req -x509` (EC P-256, so it takes milliseconds), for the Credential Expiry
 * Check's certificate probe. Also a loopback TCP server that is not TLS at all.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';

export interface TestTlsServer {
	port: number;
	/** The certificate's notAfter and notBefore, epoch ms, as openssl wrote them. */
	validTo: number;
	validFrom: number;
	close(): Promise<void>;
}

export function makeSelfSignedCertificate(
	days: number,
	commonName = 'localhost',
): { key: string; cert: string } {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'guards-tls-'));
	try {
		const key = path.join(dir, 'key.pem');
		const cert = path.join(dir, 'cert.pem');
		try {
			execFileSync(
				'openssl',
				[
					'req',
					'-x509',
					'-newkey',
					'ec',
					'-pkeyopt',
					'ec_paramgen_curve:P-256',
					'-nodes',
					'-keyout',
					key,
					'-out',
					cert,
					'-days',
					String(days),
					'-subj',
					`/CN=${commonName}`,
					'-addext',
					'subjectAltName=DNS:localhost,IP:127.0.0.1',
				],
				{ stdio: ['ignore', 'ignore', 'pipe'] },
			);
		} catch (error) {
			throw new Error(
				`openssl could not make a test certificate (is openssl installed? apt-get install openssl): ${(error as Error).message}`,
			);
		}
		return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

function closeServer(server: Server, sockets: Set<{ destroy(): void }>): Promise<void> {
	for (const socket of sockets) socket.destroy();
	return new Promise((resolve) => server.close(() => resolve()));
}

export async function startTlsServer(days: number): Promise<TestTlsServer> {
	const { key, cert } = makeSelfSignedCertificate(days);
	const { X509Certificate } = await import('node:crypto');
	const x509 = new X509Certificate(cert);
	const sockets = new Set<TLSSocket>();
	const server = createServer({ key, cert }, (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => undefined);
		socket.end();
	});
	server.on('tlsClientError', () => undefined);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		port: (server.address() as AddressInfo).port,
		validTo: Date.parse(x509.validTo),
		validFrom: Date.parse(x509.validFrom),
		close: () => closeServer(server, sockets),
	};
}

/** A TCP server that answers in plain text: a TLS client's handshake fails against it. */
export async function startPlainTcpServer(): Promise<{ port: number; close(): Promise<void> }> {
	const sockets = new Set<{ destroy(): void }>();
	const server = createTcpServer((socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => undefined);
		socket.end('HTTP/1.1 400 Bad Request\r\n\r\nnot TLS\r\n');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		port: (server.address() as AddressInfo).port,
		close: () => closeServer(server, sockets),
	};
}

/** A loopback port with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
	const server = createTcpServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}
