import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { expiry, operationError } from '../shared';
import { iso, judged, text, type Finding } from './findings';
import type { Settings } from './settings';
import { probeCertificate } from './tlsProbe';

const MAX_TLS_ENDPOINTS = 200;
const TLS_CONCURRENCY = 8;

/** The certificates of the endpoints listed, probed at most TLS_CONCURRENCY at a time. */
export async function checkTls(
	context: IExecuteFunctions,
	settings: Settings,
	now: number,
): Promise<Finding[]> {
	const entries = (context.getNodeParameter('endpoints.entries', 0, []) as IDataObject[]) ?? [];
	if (entries.length > MAX_TLS_ENDPOINTS) {
		throw operationError(context, `Too many endpoints: ${entries.length}`, {
			description: `Check at most ${MAX_TLS_ENDPOINTS} endpoints per node.`,
		});
	}
	const endpoints = entries.map((entry, index) => {
		const host = String(entry.host ?? '').trim();
		const port = Number(entry.port ?? 443);
		if (host === '' || /[\s/]/.test(host) || !Number.isInteger(port) || port < 1 || port > 65535) {
			throw operationError(
				context,
				`Endpoint ${index + 1} is not a host and port: "${host}:${String(entry.port)}"`,
				{
					description:
						'Give a host name or IP address without a scheme or path (e.g. api.example.com) and a port from 1 to 65535.',
				},
			);
		}
		return {
			host,
			port,
			serverName: String(entry.serverName ?? '').trim(),
			owner: text(entry.owner),
			renewalLink: text(entry.renewalLink),
		};
	});
	const findings: Finding[] = new Array(endpoints.length);
	let next = 0;
	const worker = async () => {
		while (next < endpoints.length) {
			const index = next++;
			const endpoint = endpoints[index];
			const name = `${endpoint.serverName || endpoint.host}:${endpoint.port}`;
			const base = {
				key: `tls:${endpoint.host}:${endpoint.port}:${endpoint.serverName}`,
				pairWith: 0,
				name,
				source: 'tls' as const,
				owner: endpoint.owner,
				renewalLink: endpoint.renewalLink,
			};
			const probe = await probeCertificate(
				endpoint.host,
				endpoint.port,
				endpoint.serverName,
				settings.tlsTimeoutMs,
			);
			if (!probe.ok) {
				findings[index] = {
					...base,
					status: probe.stage === 'handshake' ? 'failing' : 'unknown',
					reason:
						probe.stage === 'handshake'
							? `TLS handshake failed: ${probe.cause}`
							: `Could not connect: ${probe.cause}`,
					expiresAt: null,
					issuedAt: null,
					details: {
						host: endpoint.host,
						port: endpoint.port,
						serverName: endpoint.serverName || null,
					},
				};
				continue;
			}
			const finding = judged(
				{ ...base, expiresAt: probe.validTo, issuedAt: probe.validFrom, details: {} },
				settings,
				now,
			);
			if (!probe.trusted) {
				finding.reason += `. The certificate does not verify: ${probe.trustError}`;
				if (settings.untrustedFails && finding.status !== 'expired') finding.status = 'failing';
			}
			if (probe.validFrom > now && finding.status !== 'expired') {
				finding.status = expiry.worseStatus(finding.status, 'failing');
				finding.reason += '. The certificate is not valid yet';
			}
			finding.details = {
				host: endpoint.host,
				port: endpoint.port,
				serverName: endpoint.serverName || null,
				subject: probe.subject,
				issuer: probe.issuer,
				altNames: probe.altNames,
				validFrom: iso(probe.validFrom),
				validTo: iso(probe.validTo),
				trusted: probe.trusted,
				trustError: probe.trustError,
				fingerprint256: probe.fingerprint256,
				serialNumber: probe.serialNumber,
			};
			findings[index] = finding;
		}
	};
	await Promise.all(Array.from({ length: Math.min(TLS_CONCURRENCY, endpoints.length) }, worker));
	return findings;
}
