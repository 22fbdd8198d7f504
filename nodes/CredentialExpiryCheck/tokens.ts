import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { expiry, hash, paths } from '../shared';
import { iso, judged, text, type Finding } from './findings';
import type { Settings } from './settings';

/** Tokens and API answers on the input items: a JWT's exp claim, expiry headers. */
export function checkTokens(
	context: IExecuteFunctions,
	settings: Settings,
	items: INodeExecutionData[],
	now: number,
): Finding[] {
	const tokenField = String(context.getNodeParameter('jwtField', 0, 'token')).trim();
	const headersField = String(context.getNodeParameter('headersField', 0, 'headers')).trim();
	const nameField = String(context.getNodeParameter('credentialNameField', 0, 'name')).trim();
	const none = () => undefined;
	const readToken = tokenField === '' ? none : paths.pathReader(tokenField);
	const readHeaders = headersField === '' ? none : paths.pathReader(headersField);
	const readName = nameField === '' ? none : paths.pathReader(nameField);
	return items.map((item, index) => {
		const token = readToken(item.json);
		const headers = readHeaders(item.json);
		// The key must not let the token be recovered: a name, else a hash of the token.
		const name = text(readName(item.json));
		const identity =
			name ??
			(typeof token === 'string'
				? `token ${hash.stableHash(token).slice(0, 12)}`
				: `Item ${index + 1}`);
		const base = {
			key: `token:${identity}`,
			pairWith: index,
			name: identity,
			source: 'token' as const,
			owner: null,
			renewalLink: null,
		};
		const problems: string[] = [];
		const details: IDataObject = {};
		let expiresAt: number | null = null;
		let issuedAt: number | null = null;
		if (token !== undefined && token !== null && token !== '') {
			const jwt = expiry.decodeJwtDates(token);
			if (jwt.ok) {
				Object.assign(details, {
					alg: jwt.alg,
					kid: jwt.kid,
					issuer: jwt.iss,
					subject: jwt.sub,
					audience: jwt.aud,
					notBefore: iso(jwt.notBefore),
				});
				if (jwt.expiresAt !== null) {
					expiresAt = jwt.expiresAt;
					issuedAt = jwt.issuedAt;
					details.expirySource = 'jwt exp';
				} else problems.push('The JWT has no exp claim');
			} else problems.push(jwt.reason);
		}
		if (headers !== undefined && headers !== null) {
			const { found, problems: headerProblems } = expiry.expiryFromHeaders(
				headers,
				settings.expiryHeaders,
				'UTC',
			);
			problems.push(...headerProblems);
			if (found && (expiresAt === null || found.expiresAt < expiresAt)) {
				expiresAt = found.expiresAt;
				issuedAt = null;
				details.expirySource = `header ${found.header}`;
			}
		}
		if (expiresAt === null) {
			const reason =
				problems.length > 0
					? problems.join('. ')
					: `No token in "${tokenField}" and no expiry header in "${headersField}"`;
			return {
				...base,
				status: 'unknown' as const,
				reason,
				expiresAt: null,
				issuedAt: null,
				details,
			};
		}
		const finding = judged({ ...base, expiresAt, issuedAt, details }, settings, now);
		if (problems.length > 0) finding.reason += `. Also: ${problems.join('. ')}`;
		return finding;
	});
}
