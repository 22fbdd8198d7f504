/**
 * The one way the package runs a regular expression that a user or a vendor wrote (a
 * JSON Schema `pattern`, a Dead Letter failure pattern, a transform rule): on re2js, a
 * linear-time engine, so no pattern and no input can stall n8n's event loop. The
 * package's own built-in patterns stay native RegExps, written to be linear.
 *
 * Patterns are written in ECMAScript syntax (what JSON Schema and n8n users write) and
 * translated for RE2; `syntax: 're2'` takes RE2 syntax as is. What RE2 cannot run in
 * linear time fails at compile time with an error that names the pattern and what to
 * change: backreferences (`\1`, `\k<name>`), lookahead and lookbehind (`(?=`, `(?!`,
 * `(?<=`, `(?<!`), atomic groups and possessive quantifiers, octal escapes, repeat
 * counts over 1000.
 *
 * Where the result differs from JavaScript's own RegExp:
 * - Matching works on code points, as JavaScript does with the `u` flag: `.` matches a
 *   whole emoji, `[😀]` is one character. Lone surrogates in the text still match `.`.
 * - `\d`, `\w`, `\b` are ASCII, as in JavaScript. `\s` and `.` keep JavaScript's
 *   meaning (Unicode spaces; `.` stops at \n, \r, U+2028, U+2029) — translated.
 * - With `m`, `^` and `$` see only \n as a line end (JavaScript also \r, U+2028/9).
 * - With `i`, case folding is Unicode simple folding (JavaScript without `u` uses
 *   upper-casing): a few letters such as `ſ` and the Kelvin sign K fold differently.
 * - Among matches starting at one place the leftmost-first (JavaScript's) choice is
 *   kept, so `exec` finds the same text; only backtracking side effects are gone.
 * - A letter escape JavaScript does not know (`\z`, `\A`, `\Z`) is an error rather than
 *   the letter itself (what JavaScript without `u` silently does).
 */
import { RE2JS } from 're2js';

export type PatternSyntax = 'ecmascript' | 're2';

export interface UserPatternOptions {
	/** Any of `i` (ignore case), `m` (multi-line ^ $), `s` (`.` matches line ends), `u` (always on), `g` (ignored: every call starts at 0). */
	flags?: string;
	/** What the error calls the pattern's place: `Failure pattern 2`, `schema /properties/sku/pattern`. */
	label?: string;
	/** `ecmascript` (default) or `re2`. */
	syntax?: PatternSyntax;
}

/** A compiled user pattern. Stateless: safe to share and to cache. */
export interface UserPattern {
	readonly source: string;
	readonly flags: string;
	/** Whether the pattern matches anywhere in `text` (fastest: no capture groups). */
	test(text: string): boolean;
	/** The first match, shaped like RegExp's (`[0]`, groups, `index`, `groups`), or null. */
	exec(text: string): RegExpExecArray | null;
	/** Every non-overlapping match, left to right, at most `limit` (default 10,000). */
	matchAll(text: string, limit?: number): RegExpExecArray[];
	/** `text` with every match replaced by what `replacer` returns for it. */
	replace(text: string, replacer: (match: RegExpExecArray) => string): string;
}

/** A pattern that cannot be compiled: invalid, or needing what a linear-time engine cannot do. */
export class PatternError extends Error {
	constructor(
		readonly pattern: string,
		readonly reason: string,
		readonly label = '',
	) {
		super(`${label === '' ? 'The' : `${label}: the`} pattern "${shorten(pattern)}" ${reason}`);
		this.name = 'PatternError';
	}
}

/** Longer patterns are refused: compiling one costs time on n8n's main thread. */
export const MAX_PATTERN_LENGTH = 20_000;
/** How many compiled patterns are kept; the least recently used go first. */
export const PATTERN_CACHE_SIZE = 500;

const cache = new Map<string, UserPattern>();

/** Compiles (or takes from the cache) a pattern a user or a vendor wrote. Throws PatternError. */
export function compileUserPattern(source: string, options: UserPatternOptions = {}): UserPattern {
	const label = options.label ?? '';
	if (typeof source !== 'string') throw new PatternError(String(source), 'is not text', label);
	const syntax = options.syntax ?? 'ecmascript';
	const flags = normaliseFlags(source, options.flags ?? '', label);
	const key = `${syntax}\u0000${flags}\u0000${source}`;
	const cached = cache.get(key);
	if (cached !== undefined) {
		cache.delete(key);
		cache.set(key, cached);
		return cached;
	}
	const compiled = compile(source, flags, syntax, label);
	cache.set(key, compiled);
	if (cache.size > PATTERN_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
	return compiled;
}

/** Whether the text is a pattern compileUserPattern accepts (for a form's validation). */
export function isUserPattern(source: string, options: UserPatternOptions = {}): boolean {
	try {
		compileUserPattern(source, options);
		return true;
	} catch {
		return false;
	}
}

function normaliseFlags(source: string, flags: string, label: string): string {
	const seen = new Set<string>();
	for (const flag of flags) {
		if (!'imsug'.includes(flag)) {
			throw new PatternError(
				source,
				`has the flag "${flag}", which is not supported here: use only i (ignore case), m (multi-line), s (dot matches line ends)`,
				label,
			);
		}
		seen.add(flag);
	}
	return [...seen]
		.filter((flag) => flag !== 'g' && flag !== 'u')
		.sort()
		.join('');
}

function compile(source: string, flags: string, syntax: PatternSyntax, label: string): UserPattern {
	if (source.length > MAX_PATTERN_LENGTH) {
		throw new PatternError(
			source,
			`is ${source.length} characters long, more than the ${MAX_PATTERN_LENGTH} allowed: shorten it`,
			label,
		);
	}
	const translated =
		syntax === 'ecmascript' ? translate(source, flags.includes('s'), label) : source;
	let engineFlags = 0;
	if (flags.includes('i')) engineFlags |= RE2JS.CASE_INSENSITIVE;
	if (flags.includes('m')) engineFlags |= RE2JS.MULTILINE;
	if (flags.includes('s')) engineFlags |= RE2JS.DOTALL;
	let re: RE2JS;
	try {
		re = RE2JS.compile(translated, engineFlags);
	} catch (error) {
		throw new PatternError(source, engineReason((error as Error).message), label);
	}
	return linearPattern(re, source, flags);
}

function linearPattern(re: RE2JS, source: string, flags: string): UserPattern {
	const matchAll = (text: string, limit = 10_000): RegExpExecArray[] => {
		const found: RegExpExecArray[] = [];
		if (limit <= 0) return found;
		for (const match of re.matchAll(text)) {
			found.push(match as RegExpExecArray);
			if (found.length >= limit) break;
		}
		return found;
	};
	return {
		source,
		flags,
		test: (text) => re.test(text),
		// The DFA answers "no match" much faster than the capturing engines: ask it first.
		exec: (text) => (re.test(text) ? (re.exec(text) as RegExpExecArray | null) : null),
		matchAll,
		replace: (text, replacer) => {
			let out = '';
			let last = 0;
			for (const match of re.matchAll(text) as Iterable<RegExpExecArray>) {
				out += text.slice(last, match.index) + replacer(match);
				last = match.index + match[0].length;
			}
			return out + text.slice(last);
		},
	};
}

/** The engine's message, without its prefix, as something to change. */
function engineReason(message: string): string {
	const detail = message.replace(/^error parsing regexp: /, '');
	if (detail.startsWith('invalid repeat count'))
		return `repeats something more than 1000 times (${detail.slice(detail.indexOf(':') + 2)}), which the linear-time engine cannot run: use a smaller count or + / *`;
	if (detail.startsWith('invalid nested repetition operator')) {
		return `repeats a repetition (${detail.slice(detail.indexOf(':') + 2)}; a possessive quantifier such as a++ or a doubled one), which the linear-time engine cannot run: write a single quantifier such as a+`;
	}
	return `is not a valid regular expression (${detail}): correct it`;
}

// JavaScript's \s (WhiteSpace and LineTerminator) and its complement, as class members.
const SPACE_MEMBERS =
	'\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';
const NOT_SPACE_MEMBERS =
	'\\x{0}-\\x{8}\\x{E}-\\x{1F}\\x{21}-\\x{9F}\\x{A1}-\\x{167F}\\x{1681}-\\x{1FFF}\\x{200B}-\\x{2027}\\x{202A}-\\x{202E}\\x{2030}-\\x{205E}\\x{2060}-\\x{2FFF}\\x{3001}-\\x{FEFE}\\x{FF00}-\\x{10FFFF}';
const ANY = '[\\x{0}-\\x{10FFFF}]';
const NOTHING = '[^\\x{0}-\\x{10FFFF}]';
const DOT = '[^\\n\\r\\x{2028}\\x{2029}]';

/** ECMAScript syntax to RE2 syntax, refusing what RE2 cannot run. */
function translate(source: string, dotAll: boolean, label: string): string {
	const refuse = (reason: string): never => {
		throw new PatternError(source, reason, label);
	};
	let out = '';
	let index = 0;
	let inClass = false;
	while (index < source.length) {
		const char = source[index];
		if (char === '\\') {
			const [text, length] = escape(source, index, inClass, refuse);
			out += text;
			index += length;
			continue;
		}
		if (inClass) {
			if (char === ']') inClass = false;
			// `[` is a plain character in a JavaScript class; RE2 would read `[:alpha:]`.
			out += char === '[' ? '\\[' : char;
			index++;
			continue;
		}
		if (char === '[') {
			const negated = source[index + 1] === '^';
			const first = index + (negated ? 2 : 1);
			if (source[first] === ']') {
				// `[]` matches nothing, `[^]` anything (RE2 would read the `]` as a member).
				out += negated ? ANY : NOTHING;
				index = first + 1;
				continue;
			}
			inClass = true;
			out += negated ? '[^' : '[';
			index = first;
			continue;
		}
		if (char === '(' && source[index + 1] === '?') {
			const [text, length] = groupOpening(source, index, refuse);
			out += text;
			index += length;
			continue;
		}
		if (char === '.') {
			out += dotAll ? ANY : DOT;
			index++;
			continue;
		}
		if (
			(char === '+' || char === '*' || char === '?' || char === '}') &&
			source[index + 1] === '+' &&
			isQuantifierEnd(source, index)
		) {
			refuse(
				`uses a possessive quantifier (${char}+), which the linear-time engine cannot run: drop the second +`,
			);
		}
		out += char;
		index++;
	}
	return out;
}

/** Whether the character at `index` ends a quantifier (so a following `+` would make it possessive). */
function isQuantifierEnd(source: string, index: number): boolean {
	if (source[index] !== '}') return source[index - 1] !== '\\';
	return /\{\d+(?:,\d*)?\}$/.test(source.slice(Math.max(0, index - 24), index + 1));
}

/** `(?…`: lookaround and atomic groups refused, named groups translated. */
function groupOpening(
	source: string,
	index: number,
	refuse: (reason: string) => never,
): [string, number] {
	const next = source.slice(index + 2, index + 4);
	if (next.startsWith('=') || next.startsWith('!')) {
		refuse(
			`uses a lookahead (${source.slice(index, index + 3)}…), which the linear-time engine cannot run: rewrite it without it (for example match the text and check the rest separately)`,
		);
	}
	if (next === '<=' || next === '<!') {
		refuse(
			`uses a lookbehind (${source.slice(index, index + 4)}…), which the linear-time engine cannot run: rewrite it without it`,
		);
	}
	if (next.startsWith('>'))
		refuse(
			'uses an atomic group (?>…), which the linear-time engine cannot run: write (?:…) instead',
		);
	if (next.startsWith('<')) return ['(?P<', 3];
	return ['(?', 2];
}

/** One escape sequence starting at `index`: its RE2 text and its length in the source. */
function escape(
	source: string,
	index: number,
	inClass: boolean,
	refuse: (reason: string) => never,
): [string, number] {
	const char = source[index + 1];
	if (char === undefined)
		refuse('ends with a lone backslash: remove it or write \\\\ for a backslash');
	if (char >= '1' && char <= '9') {
		const digits = /^\d+/.exec(source.slice(index + 1, index + 6))?.[0] ?? char;
		if (inClass)
			refuse(
				`uses an octal escape (\\${digits}), which is not supported: write the character as \\xHH or \\uHHHH`,
			);
		refuse(
			`uses a backreference (\\${digits}), which the linear-time engine cannot run: rewrite it without it`,
		);
	}
	switch (char) {
		case '0':
			if (/\d/.test(source[index + 2] ?? ''))
				refuse(
					'uses an octal escape (\\0…), which is not supported: write the character as \\xHH or \\uHHHH',
				);
			return ['\\x00', 2];
		case 'k':
			if (source[index + 2] === '<') {
				const end = source.indexOf('>', index);
				refuse(
					`uses a backreference (${source.slice(index, end === -1 ? index + 3 : end + 1)}), which the linear-time engine cannot run: rewrite it without it`,
				);
			}
			return refuse('uses "\\k", which is not an escape: write k for the letter');
		case 's':
		case 'S': {
			const members = char === 's' ? SPACE_MEMBERS : NOT_SPACE_MEMBERS;
			if (!inClass) return [`[${members}]`, 2];
			// `[\s-x]`: after a class escape JavaScript reads `-` as itself, RE2 as a range.
			return source[index + 2] === '-' && source[index + 3] !== ']'
				? [`${members}\\-`, 3]
				: [members, 2];
		}
		case 'b':
			return [inClass ? '\\x08' : '\\b', 2];
		case 'd':
		case 'D':
		case 'w':
		case 'W':
		case 't':
		case 'n':
		case 'r':
		case 'f':
		case 'B':
			if (char === 'B' && inClass)
				refuse('uses \\B inside [ ], which is not an escape there: remove it');
			return [`\\${char}`, 2];
		case 'v':
			return ['\\x{0B}', 2];
		case 'x': {
			const hex = source.slice(index + 2, index + 4);
			return /^[0-9a-fA-F]{2}$/.test(hex) ? [`\\x{${hex}}`, 4] : ['x', 2];
		}
		case 'u':
			return unicodeEscape(source, index, refuse);
		case 'c': {
			const letter = source[index + 2] ?? '';
			if (/^[a-zA-Z]$/.test(letter)) return [`\\x{${(letter.charCodeAt(0) % 32).toString(16)}}`, 3];
			return ['\\\\c', 2];
		}
		case 'p':
		case 'P': {
			const close = source.indexOf('}', index);
			if (source[index + 2] !== '{' || close === -1)
				refuse(`uses \\${char} without {…}: write \\${char}{L} for a Unicode property`);
			// RE2 knows categories and scripts by their short names: `Script=Greek` is `Greek`,
			// `Letter` is `L`.
			const name = source
				.slice(index + 3, close)
				.replace(/^(?:Script|sc|Script_Extensions|scx|General_Category|gc)=/, '');
			return [`\\${char}{${CATEGORY_SHORT_NAMES[name] ?? name}}`, close - index + 1];
		}
	}
	if (/[a-zA-Z]/.test(char)) {
		refuse(
			`uses "\\${char}", which is not an escape in JavaScript regular expressions: write ${char} for the letter${char === 'z' || char === 'Z' ? ', or $ for the end of the text' : char === 'A' ? ', or ^ for the start of the text' : ''}`,
		);
	}
	// Escaped punctuation stays escaped; anything else is the character itself.
	if (/[!-/:-@[-`{-~]/.test(char)) return [`\\${char}`, 2];
	return [char, 2];
}

/** ECMAScript's long General_Category names (Unicode's PropertyValueAliases) → RE2's short ones. */
const CATEGORY_SHORT_NAMES: Readonly<Record<string, string>> = {
	Letter: 'L',
	Cased_Letter: 'LC',
	Uppercase_Letter: 'Lu',
	Lowercase_Letter: 'Ll',
	Titlecase_Letter: 'Lt',
	Modifier_Letter: 'Lm',
	Other_Letter: 'Lo',
	Mark: 'M',
	Combining_Mark: 'M',
	Nonspacing_Mark: 'Mn',
	Spacing_Mark: 'Mc',
	Enclosing_Mark: 'Me',
	Number: 'N',
	Decimal_Number: 'Nd',
	digit: 'Nd',
	Letter_Number: 'Nl',
	Other_Number: 'No',
	Punctuation: 'P',
	punct: 'P',
	Connector_Punctuation: 'Pc',
	Dash_Punctuation: 'Pd',
	Open_Punctuation: 'Ps',
	Close_Punctuation: 'Pe',
	Initial_Punctuation: 'Pi',
	Final_Punctuation: 'Pf',
	Other_Punctuation: 'Po',
	Symbol: 'S',
	Math_Symbol: 'Sm',
	Currency_Symbol: 'Sc',
	Modifier_Symbol: 'Sk',
	Other_Symbol: 'So',
	Separator: 'Z',
	Space_Separator: 'Zs',
	Line_Separator: 'Zl',
	Paragraph_Separator: 'Zp',
	Other: 'C',
	Control: 'Cc',
	cntrl: 'Cc',
	Format: 'Cf',
	Surrogate: 'Cs',
	Private_Use: 'Co',
	Unassigned: 'Cn',
};

/** `\uHHHH` (a surrogate pair becomes one code point) and `\u{H…}`. */
function unicodeEscape(
	source: string,
	index: number,
	refuse: (reason: string) => never,
): [string, number] {
	if (source[index + 2] === '{') {
		const match = /^\{([0-9a-fA-F]{1,6})\}/.exec(source.slice(index + 2));
		if (match === null || Number.parseInt(match[1], 16) > 0x10ffff)
			refuse('uses \\u{…} without a valid code point: write \\u{1F600}, for example');
		return [`\\x{${match![1]}}`, match![0].length + 2];
	}
	const hex = source.slice(index + 2, index + 6);
	if (!/^[0-9a-fA-F]{4}$/.test(hex)) return ['u', 2];
	const code = Number.parseInt(hex, 16);
	const low = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(source.slice(index + 6, index + 12));
	if (code >= 0xd800 && code <= 0xdbff && low !== null) {
		const point = (code - 0xd800) * 0x400 + (Number.parseInt(low[1], 16) - 0xdc00) + 0x10000;
		return [`\\x{${point.toString(16)}}`, 12];
	}
	return [`\\x{${hex}}`, 6];
}

function shorten(pattern: string): string {
	return pattern.length > 120 ? `${pattern.slice(0, 117)}…` : pattern;
}
