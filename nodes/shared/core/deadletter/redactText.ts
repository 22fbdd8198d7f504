/**
 * Secrets in any string: `Name: value` header lines and `name=value` pairs with a secret
 * name (`X-Api-Key: …`, `Authorization: Token …`, `?api_key=…`), secret fields of JSON
 * held in a string (also escaped JSON and non-string values), URL user info
 * (`redis://:pw@host`), then the shapes of redactPatterns.ts.
 *
 * Linear in the text: names are read backwards from each separator (at most
 * MAX_TEXT_NAME characters), each value once. A string longer than MAX_SCAN_CHARS is
 * not scanned: it is replaced whole (never cut, a cut could leave half a secret).
 */
import { MAX_TEXT_NAME, type SecretNames } from './redactNames';
import {
	AUTHORITY,
	BARE_AFTER_COLON,
	BARE_AFTER_EQUALS,
	BARE_IN_DOUBLE_QUOTES,
	BARE_IN_JSON,
	BARE_IN_SINGLE_QUOTES,
	REDACTED,
	redactShapes,
	SCHEME,
} from './redactPatterns';

/** Longer strings are replaced whole instead of scanned: 16 Mi characters scan in well under a second. */
export const MAX_SCAN_CHARS = 16 * 1024 * 1024;

/** A replacement of `text.slice(start, end)`. */
interface Edit {
	start: number;
	end: number;
	text: string;
}

/** `text` with the secrets it contains replaced, `names` deciding which names are secret; counts them into `found`. */
export function redactTextWith(names: SecretNames, text: string, found: { count: number }): string {
	if (text.length < 8) return text;
	if (text.length > MAX_SCAN_CHARS) {
		found.count++;
		return `${REDACTED} (text of ${text.length} characters, longer than the ${MAX_SCAN_CHARS} scanned for secrets)`;
	}
	let out = text;
	// Names first: `Authorization: Bearer x` is then one secret, not a header and a Bearer.
	if (out.includes(':') || out.includes('=')) out = applyEdits(out, namedValues(names, out), found);
	if (out.includes('://')) out = applyEdits(out, urlPasswords(out), found);
	return redactShapes(out, found);
}

/**
 * `name: value` and `name=value` in text, JSON held in a string included: the values
 * of secret names. The name is read backwards from each separator (at most
 * MAX_TEXT_NAME characters), each redacted value once: linear in the text.
 */
function namedValues(names: SecretNames, text: string): Edit[] {
	const edits: Edit[] = [];
	let colon = text.indexOf(':');
	let equals = text.indexOf('=');
	let resume = 0;
	const next = () => {
		if (colon !== -1 && colon < resume) colon = text.indexOf(':', resume);
		if (equals !== -1 && equals < resume) equals = text.indexOf('=', resume);
		return colon === -1 ? equals : equals === -1 ? colon : Math.min(colon, equals);
	};
	for (let separator = next(); separator !== -1; separator = next()) {
		resume = separator + 1;
		const name = nameBefore(text, separator, names.lastLetters);
		if (name === null || !names.isSecretTextName(name.text)) continue;
		const sign = text[separator];
		if (sign === ':' && text.startsWith('//', separator + 1)) continue; // a URL's scheme
		let start = separator + 1;
		while (text[start] === ' ' || text[start] === '\t') start++;
		const value = valueEnd(text, start, sign, name);
		if (value.valueEnd > value.valueStart) {
			const secret = text.slice(value.valueStart, value.valueEnd);
			if (secret !== REDACTED && secret !== `"${REDACTED}"`) {
				const scheme = SCHEME.exec(secret)?.[0] ?? '';
				// In JSON text a number or object becomes a string, so the text stays JSON.
				const replacement = name.quoted && !value.quoted ? `"${REDACTED}"` : `${scheme}${REDACTED}`;
				edits.push({ start: value.valueStart, end: value.valueEnd, text: replacement });
			}
		}
		resume = Math.max(resume, value.resume);
	}
	return edits;
}

/** Letters, digits, `_`, `.`, `-`: what a field or header name is made of. */
function isNameChar(code: number): boolean {
	return (
		(code >= 0x61 && code <= 0x7a) ||
		(code >= 0x41 && code <= 0x5a) ||
		(code >= 0x30 && code <= 0x39) ||
		code === 0x5f ||
		code === 0x2e ||
		code === 0x2d
	);
}

/**
 * The name written before the separator at `separator`: `X-Api-Key: …`, `"password": …`,
 * `\"token\":…` (escaped JSON), `--password=…`. Null when there is none or it is
 * longer than MAX_TEXT_NAME (only its last characters would be read).
 */
function nameBefore(
	text: string,
	separator: number,
	lastLetters: ReadonlySet<number>,
): TextName | null {
	let end = separator;
	while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
	let quoted = false;
	if (end > 0 && (text[end - 1] === '"' || text[end - 1] === "'")) {
		quoted = true;
		end--;
		while (end > 0 && text.charCodeAt(end - 1) === 0x5c) end--;
	}
	// Most names cannot end a secret word: skip them without reading them.
	const last = text.charCodeAt(end - 1) | 0x20;
	if (last >= 0x61 && last <= 0x7a && !lastLetters.has(last)) return null;
	let start = end;
	while (start > 0 && end - start <= MAX_TEXT_NAME && isNameChar(text.charCodeAt(start - 1)))
		start--;
	if (end - start > MAX_TEXT_NAME || start === end) return null;
	const before = text[start - 1];
	return {
		text: text.slice(start, end),
		quoted,
		inQuotes: !quoted && (before === '"' || before === "'") ? before : null,
	};
}

/** A name found before a separator in text. */
interface TextName {
	text: string;
	/** `"name":` — JSON (or a quoted key). */
	quoted: boolean;
	/** `"Authorization: Bearer x"` — a header line inside quotes: the value ends at the closing quote. */
	inQuotes: '"' | "'" | null;
}

/**
 * Where the value after `name:` / `name=` at `start` ends. A quoted value ends at the
 * quote that closes it (as escaped as the opening one), an object or list at its
 * closing bracket, a bare value at its separator (`=`), the end of its line (`:`) or
 * of its JSON member. Unterminated quotes and brackets run to the end of the text:
 * when in doubt, redact more. `resume` is where the search for names goes on.
 */
function valueEnd(
	text: string,
	start: number,
	separator: string,
	name: TextName,
): { valueStart: number; valueEnd: number; resume: number; quoted: boolean } {
	let slashes = 0;
	while (text.charCodeAt(start + slashes) === 0x5c) slashes++;
	const quote = text[start + slashes];
	if (quote === '"' || quote === "'") {
		const open = start + slashes + 1;
		for (let at = text.indexOf(quote, open); at !== -1; at = text.indexOf(quote, at + 1)) {
			let before = 0;
			while (at - before - 1 >= open && text.charCodeAt(at - before - 1) === 0x5c) before++;
			if (before === slashes)
				return { valueStart: open, valueEnd: at - slashes, resume: at + 1, quoted: true };
		}
		return { valueStart: open, valueEnd: text.length, resume: text.length, quoted: true };
	}
	if (slashes === 0 && (quote === '{' || quote === '[')) {
		const close = closingBracket(text, start);
		return { valueStart: start, valueEnd: close, resume: close, quoted: false };
	}
	const bare =
		separator === '='
			? BARE_AFTER_EQUALS
			: name.quoted
				? BARE_IN_JSON
				: name.inQuotes === '"'
					? BARE_IN_DOUBLE_QUOTES
					: name.inQuotes === "'"
						? BARE_IN_SINGLE_QUOTES
						: BARE_AFTER_COLON;
	bare.lastIndex = start;
	const end = start + (bare.exec(text)?.[0].length ?? 0);
	return { valueStart: start, valueEnd: end, resume: end, quoted: false };
}

/** The index after the bracket closing the one at `start` (strings skipped), or the text's length. */
function closingBracket(text: string, start: number): number {
	let depth = 0;
	for (let index = start; index < text.length; index++) {
		const char = text.charCodeAt(index);
		if (char === 0x22) {
			// Skip a JSON string: to the next quote not escaped.
			for (index++; index < text.length && text.charCodeAt(index) !== 0x22; index++)
				if (text.charCodeAt(index) === 0x5c) index++;
		} else if (char === 0x7b || char === 0x5b) depth++;
		else if ((char === 0x7d || char === 0x5d) && --depth === 0) return index + 1;
	}
	return text.length;
}

/** User info in URLs (`postgres://user:pw@host`, `redis://:pw@host`): the password, up to the last `@` of the authority. */
function urlPasswords(text: string): Edit[] {
	const edits: Edit[] = [];
	for (let at = text.indexOf('://'); at !== -1; ) {
		const start = at + 3;
		AUTHORITY.lastIndex = start;
		const authority = AUTHORITY.exec(text)?.[0] ?? '';
		const userEnd = authority.lastIndexOf('@');
		const colon = authority.indexOf(':');
		if (
			userEnd > 0 &&
			colon !== -1 &&
			colon < userEnd - 1 &&
			authority.slice(colon + 1, userEnd) !== REDACTED
		) {
			edits.push({ start: start + colon + 1, end: start + userEnd, text: REDACTED });
		}
		at = text.indexOf('://', start + authority.length);
	}
	return edits;
}

/** `text` with the edits (in order, not overlapping) applied; each counts as one secret. */
function applyEdits(text: string, edits: readonly Edit[], found: { count: number }): string {
	if (edits.length === 0) return text;
	let out = '';
	let last = 0;
	for (const edit of edits) {
		out += text.slice(last, edit.start) + edit.text;
		last = edit.end;
	}
	found.count += edits.length;
	return out + text.slice(last);
}
