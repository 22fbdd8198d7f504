/**
 * Reads the expiry of a JWT without trusting it or keeping it: header and payload are
 * decoded (never verified: we only want the dates), the signature is ignored, and only
 * a few named claims are copied out. The token itself never leaves this function.
 *
 * Hostile tokens are expected: wrong types, too long, not three parts, bad base64url,
 * not JSON, JSON that is not an object, `__proto__` keys, claims of the wrong type.
 * Each gives `{ ok: false, reason }` and never throws.
 */
import { isPlainObject } from '../json';

/** Longer tokens are refused before any decoding (real JWTs are a few KB at most). */
export const MAX_JWT_LENGTH = 16_384;

export interface JwtDates {
	ok: true;
	/** `exp` in epoch ms, or null when the token has none. */
	expiresAt: number | null;
	/** `iat` in epoch ms, or null. */
	issuedAt: number | null;
	/** `nbf` in epoch ms, or null. */
	notBefore: number | null;
	/** Safe, short header and payload facts: algorithm, type, key id, issuer, subject, audience. */
	alg: string | null;
	typ: string | null;
	kid: string | null;
	iss: string | null;
	sub: string | null;
	aud: string | null;
}

export interface JwtProblem {
	ok: false;
	reason: string;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const MAX_CLAIM_TEXT = 200;

export function decodeJwtDates(token: unknown): JwtDates | JwtProblem {
	if (typeof token !== 'string')
		return {
			ok: false,
			reason: `The token is ${token === null ? 'null' : typeof token}, not text`,
		};
	let text = token.trim();
	if (/^bearer\s+/i.test(text)) text = text.replace(/^bearer\s+/i, '');
	if (text === '') return { ok: false, reason: 'The token is empty' };
	if (text.length > MAX_JWT_LENGTH)
		return { ok: false, reason: `The token is longer than ${MAX_JWT_LENGTH} characters` };
	const parts = text.split('.');
	if (parts.length !== 3) {
		return {
			ok: false,
			reason:
				parts.length === 5
					? 'The token is an encrypted JWT (JWE): its dates cannot be read'
					: 'The token is not a JWT (it needs three parts separated by dots)',
		};
	}
	const header = decodePart(parts[0], 'header');
	if (!header.ok) return header;
	const payload = decodePart(parts[1], 'payload');
	if (!payload.ok) return payload;
	const claims = payload.value;
	const dates: Array<['exp' | 'iat' | 'nbf', number | null]> = [];
	for (const claim of ['exp', 'iat', 'nbf'] as const) {
		const value = own(claims, claim);
		if (value === undefined || value === null) {
			dates.push([claim, null]);
			continue;
		}
		// RFC 7519: a NumericDate is a JSON number of seconds. Strings, huge or negative values are refused.
		if (
			typeof value !== 'number' ||
			!Number.isFinite(value) ||
			value < 0 ||
			value > 253_402_300_799
		) {
			return {
				ok: false,
				reason: `The token's "${claim}" claim is not a date in seconds (NumericDate)`,
			};
		}
		dates.push([claim, Math.round(value * 1000)]);
	}
	const date = Object.fromEntries(dates) as Record<'exp' | 'iat' | 'nbf', number | null>;
	return {
		ok: true,
		expiresAt: date.exp,
		issuedAt: date.iat,
		notBefore: date.nbf,
		alg: shortText(own(header.value, 'alg')),
		typ: shortText(own(header.value, 'typ')),
		kid: shortText(own(header.value, 'kid')),
		iss: shortText(own(claims, 'iss')),
		sub: shortText(own(claims, 'sub')),
		aud: shortText(
			Array.isArray(own(claims, 'aud'))
				? (own(claims, 'aud') as unknown[]).filter((entry) => typeof entry === 'string').join(', ')
				: own(claims, 'aud'),
		),
	};
}

function decodePart(
	part: string,
	name: string,
): { ok: true; value: Record<string, unknown> } | JwtProblem {
	if (part === '' || !BASE64URL.test(part) || part.length % 4 === 1) {
		return { ok: false, reason: `The token's ${name} is not base64url` };
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
	} catch {
		return { ok: false, reason: `The token's ${name} is not JSON` };
	}
	if (!isPlainObject(parsed))
		return { ok: false, reason: `The token's ${name} is not a JSON object` };
	return { ok: true, value: parsed };
}

/** An own property only: `__proto__`, `constructor` and inherited names read as absent. */
function own(object: Record<string, unknown>, key: string): unknown {
	return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

function shortText(value: unknown): string | null {
	if (typeof value !== 'string' || value === '') return null;
	return value.length > MAX_CLAIM_TEXT ? `${value.slice(0, MAX_CLAIM_TEXT)}…` : value;
}
