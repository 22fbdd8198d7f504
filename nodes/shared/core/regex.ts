/**
 * The one way the package runs a regular expression that a user or a vendor wrote (a
 * JSON Schema `pattern`, a Dead Letter failure pattern, a transform rule): on re2js, a
 * linear-time engine, so no pattern and no input can stall n8n's event loop. The
 * package's own built-in patterns stay native RegExps, written to be linear. `test` of a
 * pattern proven deterministic (see nativeTester) runs on JavaScript's RegExp: linear
 * there too, the same answer, a tenth of the time.
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
	return linearPattern(
		re,
		source,
		flags,
		syntax === 'ecmascript' ? nativeTester(source, flags) : undefined,
	);
}

function linearPattern(
	re: RE2JS,
	source: string,
	flags: string,
	native: RegExp | undefined,
): UserPattern {
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
		test: native === undefined ? (text) => re.test(text) : (text) => native.test(text),
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

// ---------------------------------------------------------------------------------------
// The native fast path of `test`
// ---------------------------------------------------------------------------------------

/**
 * JavaScript's own RegExp for `test`, when the pattern is proven to run in linear time on a
 * backtracking engine and to mean there what it means on re2js; otherwise undefined (re2js
 * answers). re2js costs about 0.3 µs a call even on a two-letter text; V8 a tenth of that.
 *
 * Proven means a deterministic pattern of a small subset: no flags (`u` aside), no group,
 * alternation, backreference, lookaround, word boundary or lazy quantifier; each element a
 * single character (ASCII literal, escaped punctuation, `.`, `\d \w \s` and their negations,
 * a class of those and ASCII ranges) with a quantifier or none; `^` only first and `$` only
 * last. Deterministic: each repetition whose count may vary has no character in common with
 * what can follow it (up to the next required element, or the end). Then a failing match
 * gives each repetition back at most once, each step failing on its first character: the
 * work is linear in the text. Not anchored by `^`, every attempt from each position is
 * bounded too: only repetitions with a maximum, at most UNANCHORED_MAX_LENGTH characters in all.
 */
function nativeTester(source: string, flags: string): RegExp | undefined {
	if (flags !== '') return undefined;
	const elements = parseDeterministic(source);
	if (elements === undefined) return undefined;
	try {
		return new RegExp(source, 'u');
	} catch {
		return undefined;
	}
}

/** Longest text a pattern not anchored by `^` may match, for the native path. */
const UNANCHORED_MAX_LENGTH = 64;

/** ASCII members as four 32-bit words, and whether non-ASCII characters may be members. */
interface CharSet {
	bits: [number, number, number, number];
	wide: boolean;
}

interface Element {
	set: CharSet;
	min: number;
	max: number;
}

const SYNTAX_CHARACTERS = '^$\\.*+?()[]{}|/';

function emptySet(): CharSet {
	return { bits: [0, 0, 0, 0], wide: false };
}

function addRange(set: CharSet, from: number, to: number): void {
	for (let code = from; code <= to; code++) set.bits[code >> 5] |= 1 << (code & 31);
}

function union(into: CharSet, other: CharSet): void {
	for (let word = 0; word < 4; word++) into.bits[word] |= other.bits[word];
	into.wide ||= other.wide;
}

function complement(set: CharSet): CharSet {
	return { bits: set.bits.map((word) => ~word) as CharSet['bits'], wide: true };
}

function disjoint(a: CharSet, b: CharSet): boolean {
	if (a.wide && b.wide) return false;
	for (let word = 0; word < 4; word++) if ((a.bits[word] & b.bits[word]) !== 0) return false;
	return true;
}

function classEscapeSet(letter: string): CharSet | undefined {
	const set = emptySet();
	switch (letter.toLowerCase()) {
		case 'd':
			addRange(set, 0x30, 0x39);
			break;
		case 'w':
			addRange(set, 0x30, 0x39);
			addRange(set, 0x41, 0x5a);
			addRange(set, 0x61, 0x7a);
			addRange(set, 0x5f, 0x5f);
			break;
		case 's':
			// JavaScript's \s: tab to carriage return, space, and Unicode spaces beyond ASCII.
			addRange(set, 0x09, 0x0d);
			addRange(set, 0x20, 0x20);
			set.wide = true;
			break;
		default:
			return undefined;
	}
	return letter === letter.toLowerCase() ? set : complement(set);
}

/** The elements of a pattern in the deterministic subset (see nativeTester), or undefined. */
function parseDeterministic(source: string): Element[] | undefined {
	let index = 0;
	const startAnchored = source.startsWith('^');
	if (startAnchored) index = 1;
	const elements: Element[] = [];
	while (index < source.length) {
		const char = source[index];
		if (char === '$') {
			if (index !== source.length - 1) return undefined;
			index++;
			continue;
		}
		let set: CharSet | undefined;
		if (char === '\\') {
			const next = source[index + 1] ?? '';
			set = classEscapeSet(next) ?? literalEscape(next);
			index += 2;
		} else if (char === '[') {
			const parsed = parseClass(source, index);
			if (parsed === undefined) return undefined;
			[set, index] = parsed;
		} else if (char === '.') {
			set = emptySet();
			addRange(set, 0, 0x7f);
			set.bits[0] &= ~((1 << 0x0a) | (1 << 0x0d));
			set.wide = true;
			index++;
		} else if (isPlainLiteral(char)) {
			set = literalSet(char);
			index++;
		}
		if (set === undefined) return undefined;
		const quantifier = parseQuantifier(source, index);
		if (quantifier === undefined) return undefined;
		const [min, max, length] = quantifier;
		index += length;
		elements.push({ set, min, max });
	}
	return isDeterministic(elements, startAnchored) ? elements : undefined;
}

function isPlainLiteral(char: string): boolean {
	const code = char.charCodeAt(0);
	return code >= 0x20 && code < 0x7f && !SYNTAX_CHARACTERS.includes(char);
}

function literalSet(char: string): CharSet {
	const set = emptySet();
	const code = char.charCodeAt(0);
	addRange(set, code, code);
	return set;
}

/** `\.`, `\/`…: escaped punctuation is the character itself (what the `u` flag allows). */
function literalEscape(char: string): CharSet | undefined {
	return char !== '' && SYNTAX_CHARACTERS.includes(char) ? literalSet(char) : undefined;
}

/** `[…]` from `start`: its set and the index after it; undefined outside the subset. */
function parseClass(source: string, start: number): [CharSet, number] | undefined {
	let index = start + 1;
	const negated = source[index] === '^';
	if (negated) index++;
	const set = emptySet();
	let members = 0;
	while (index < source.length && source[index] !== ']') {
		let code: number;
		const char = source[index];
		if (char === '\\') {
			const next = source[index + 1] ?? '';
			if (next === 'd' || next === 'w' || next === 's') {
				union(set, classEscapeSet(next)!);
				index += 2;
				members++;
				continue;
			}
			if (next !== '-' && literalEscape(next) === undefined) return undefined;
			code = next.charCodeAt(0);
			index += 2;
		} else {
			if (char === '[' || !(isPlainLiteral(char) || SYNTAX_CHARACTERS.includes(char)))
				return undefined;
			code = char.charCodeAt(0);
			index++;
		}
		// A range a-z (a `-` first or last is itself).
		if (source[index] === '-' && source[index + 1] !== ']' && index + 1 < source.length) {
			const to = source[index + 1];
			if (to === '\\' || to === '[' || !(isPlainLiteral(to) || SYNTAX_CHARACTERS.includes(to)))
				return undefined;
			if (to.charCodeAt(0) < code) return undefined;
			addRange(set, code, to.charCodeAt(0));
			index += 2;
		} else addRange(set, code, code);
		members++;
	}
	if (index >= source.length || members === 0) return undefined;
	return [negated ? complement(set) : set, index + 1];
}

/** `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` at `index` (or none): [min, max, length]. */
function parseQuantifier(source: string, index: number): [number, number, number] | undefined {
	const char = source[index];
	let quantifier: [number, number, number];
	if (char === '*') quantifier = [0, Infinity, 1];
	else if (char === '+') quantifier = [1, Infinity, 1];
	else if (char === '?') quantifier = [0, 1, 1];
	else if (char === '{') {
		const match = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(source.slice(index, index + 12));
		if (match === null) return undefined;
		const min = Number(match[1]);
		const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
		if (max < min || min > 1000 || (max !== Infinity && max > 1000)) return undefined;
		quantifier = [min, max, match[0].length];
	} else return [1, 1, 0];
	// Lazy or possessive: outside the subset.
	const after = source[index + quantifier[2]];
	if (after === '?' || after === '+' || after === '*' || after === '{') return undefined;
	return quantifier;
}

function isDeterministic(elements: readonly Element[], startAnchored: boolean): boolean {
	if (!startAnchored) {
		let longest = 0;
		for (const element of elements) longest += element.max;
		if (!(longest <= UNANCHORED_MAX_LENGTH)) return false;
	}
	for (let index = 0; index < elements.length; index++) {
		const { set, min, max } = elements[index];
		if (min === max) continue;
		for (let next = index + 1; next < elements.length; next++) {
			if (!disjoint(set, elements[next].set)) return false;
			if (elements[next].min > 0) break;
		}
	}
	return true;
}
