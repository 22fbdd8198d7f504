/**
 * The original payload of a dead letter, kept encrypted at rest so a replay can send
 * what was captured while everything shown (List, Stats, logs) stays redacted.
 *
 * AES-256-GCM (node:crypto), a fresh 96-bit IV per record, the record's id as
 * additional data (a sealed payload moved onto another record does not open). The key
 * comes from a credential the user keeps; each sealed value names its key id, so a new
 * key can take over while records sealed with the old one still open (key rotation:
 * the old key stays in the credential's Previous Keys until those records are settled).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import type { JsonObject, JsonValue } from '../json';
import { isPlainObject } from '../json';

export const SEAL_ALGORITHM = 'A256GCM';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Key ids are short labels: letters, digits, dot, dash, underscore. */
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface SealKey {
	id: string;
	key: Buffer;
}

/** The key new values are sealed with, and the older ones that still open what they sealed. */
export interface Keyring {
	current: SealKey;
	previous: SealKey[];
}

/** A sealed value as the record keeps it (JSON). */
export type Sealed = {
	v: 1;
	alg: typeof SEAL_ALGORITHM;
	kid: string;
	iv: string;
	tag: string;
	data: string;
};

/** Why a key or a sealed value cannot be used; the message says how to fix it and never holds key material. */
export class SealError extends Error {
	constructor(
		readonly reason: 'badKey' | 'unknownKey' | 'wrongKey' | 'malformed',
		message: string,
	) {
		super(message);
		this.name = 'SealError';
	}
}

/**
 * A key as the user gives it: 32 bytes in base64 (44 characters, `openssl rand -base64 32`)
 * or hex (64 characters). Anything else is refused: a passphrase would be a weak key.
 */
export function parseKey(id: string, text: string, label = 'Key'): SealKey {
	const keyId = id.trim();
	if (!KEY_ID.test(keyId))
		throw new SealError(
			'badKey',
			`${label}: the key ID must be 1 to 64 letters, digits, dots, dashes or underscores`,
		);
	const trimmed = text.trim();
	let key: Buffer | null = null;
	if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, 'hex');
	else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed))
		key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
	if (key === null || key.length !== KEY_BYTES)
		throw new SealError(
			'badKey',
			`${label} (key ID "${keyId}") is not a 32-byte key: give 44 characters of base64 (openssl rand -base64 32) or 64 hex digits`,
		);
	return { id: keyId, key };
}

/**
 * The keyring from the credential's fields: the current key, and Previous Keys as lines
 * `<key id>=<key>` (empty lines and lines starting with # ignored).
 */
export function parseKeyring(fields: {
	keyId: string;
	key: string;
	previousKeys?: string;
}): Keyring {
	const current = parseKey(fields.keyId, fields.key);
	const previous: SealKey[] = [];
	const seen = new Set([current.id]);
	const lines = (fields.previousKeys ?? '').split(/\r?\n/);
	lines.forEach((raw, index) => {
		const line = raw.trim();
		if (line === '' || line.startsWith('#')) return;
		const equals = line.indexOf('=');
		if (equals <= 0)
			throw new SealError('badKey', `Previous Keys, line ${index + 1}: write it as <key id>=<key>`);
		const key = parseKey(
			line.slice(0, equals),
			line.slice(equals + 1),
			`Previous Keys, line ${index + 1}`,
		);
		if (seen.has(key.id))
			throw new SealError(
				'badKey',
				`Previous Keys, line ${index + 1}: key ID "${key.id}" is used twice`,
			);
		seen.add(key.id);
		previous.push(key);
	});
	return { current, previous };
}

/** Seals a JSON value with the keyring's current key, bound to `context` (the record id). */
export function seal(value: JsonValue, keyring: Keyring, context: string): Sealed {
	const iv = randomBytes(IV_BYTES);
	const cipher = createCipheriv('aes-256-gcm', keyring.current.key, iv, {
		authTagLength: TAG_BYTES,
	});
	cipher.setAAD(Buffer.from(context, 'utf8'));
	const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
	return {
		v: 1,
		alg: SEAL_ALGORITHM,
		kid: keyring.current.id,
		iv: iv.toString('base64'),
		tag: cipher.getAuthTag().toString('base64'),
		data: data.toString('base64'),
	};
}

/** Reads a stored sealed value; null when there is none, SealError when it is damaged. */
export function asSealed(value: unknown): Sealed | null {
	if (value === undefined || value === null) return null;
	if (
		!isPlainObject(value) ||
		value.v !== 1 ||
		value.alg !== SEAL_ALGORITHM ||
		typeof value.kid !== 'string' ||
		typeof value.iv !== 'string' ||
		typeof value.tag !== 'string' ||
		typeof value.data !== 'string'
	)
		throw new SealError('malformed', 'the encrypted original of this record is damaged');
	return value as Sealed;
}

/**
 * Opens a sealed value. Throws SealError: `unknownKey` when the keyring has no key with
 * its id (rotated out too early), `wrongKey` when the key with that id is not the one
 * that sealed it (or the data was changed), `malformed` when it is not a sealed value.
 */
export function unseal(sealed: Sealed, keyring: Keyring, context: string): JsonValue {
	const key = [keyring.current, ...keyring.previous].find(
		(candidate) => candidate.id === sealed.kid,
	);
	if (key === undefined)
		throw new SealError(
			'unknownKey',
			`it was encrypted with key ID "${sealed.kid}", which the Encryption Key credential does not hold (known: ${[keyring.current, ...keyring.previous].map((entry) => `"${entry.id}"`).join(', ')})`,
		);
	const iv = Buffer.from(sealed.iv, 'base64');
	const tag = Buffer.from(sealed.tag, 'base64');
	if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES)
		throw new SealError('malformed', 'the encrypted original of this record is damaged');
	let text: string;
	try {
		const decipher = createDecipheriv('aes-256-gcm', key.key, iv, { authTagLength: TAG_BYTES });
		decipher.setAAD(Buffer.from(context, 'utf8'));
		decipher.setAuthTag(tag);
		text = Buffer.concat([
			decipher.update(Buffer.from(sealed.data, 'base64')),
			decipher.final(),
		]).toString('utf8');
	} catch {
		throw new SealError(
			'wrongKey',
			`key ID "${sealed.kid}" in the Encryption Key credential is not the key it was encrypted with (or the record was altered)`,
		);
	}
	try {
		return JSON.parse(text) as JsonValue;
	} catch {
		throw new SealError('malformed', 'the encrypted original of this record is damaged');
	}
}

/** Round trip with the current key: what the credential's Test button checks. */
export function checkKeyring(keyring: Keyring): void {
	const probe: JsonObject = { probe: 'integration-guards' };
	const opened = unseal(seal(probe, keyring, 'probe'), keyring, 'probe');
	if (!isPlainObject(opened) || opened.probe !== probe.probe)
		throw new SealError('badKey', 'the key does not open what it sealed');
}
