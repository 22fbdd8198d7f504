/**
 * Which failures a breaker counts. A breaker guards a hop against its outage, not against
 * bad data: a 503, a refused connection or a timeout says the hop is down; a 400 or a 404
 * says this one request was wrong, and the hop answered. So a failure is classified by its
 * HTTP status, its network code or its timeout, read from the item the way Dead Letter
 * reads it (deadletter/facts.ts: the HTTP Request node's error output, vendor nodes'
 * `{ error: message }`, NodeApiError shapes), and counted or not by the rules.
 *
 * A failure nothing can be read from counts by default: a breaker must not ignore an
 * outage because its error is worded oddly.
 */
import type { FailureClass } from '../deadletter/classify';
import { classifyFailure } from '../deadletter/classify';
import { failureFacts } from '../deadletter/facts';
import { isNetworkErrorCode, NETWORK_ERROR_TEXT } from '../errors/network';
import { SettingsError } from '../errors/settings';
import { isTimeoutError } from '../errors/timeout';

export type FailureKind = 'status' | 'timeout' | 'network' | 'unrecognised';

/** A range of HTTP statuses, both ends included. */
export type StatusRange = { from: number; to: number };

export type FailureRules = {
	/** The statuses that count; any other status is a failure not counted. */
	statuses: readonly StatusRange[];
	/** Connection errors: refused, reset, DNS, unreachable. */
	networkErrors: boolean;
	timeouts: boolean;
	/** Failures without a status, a network code or a timeout. */
	unrecognised: boolean;
};

/** What the rules made of one failure. */
export type FailureVerdict = {
	counted: boolean;
	kind: FailureKind;
	httpCode: number | null;
	code: string | null;
	/** Dead Letter's class of the same failure (auth, rateLimit, transient, data, unknown). */
	class: FailureClass;
	/** Why, for people: "HTTP 400 is not in 5xx, 408, 429". */
	reason: string;
};

export const DEFAULT_COUNTED_STATUSES = '5xx, 408, 429';

/** A Counted Statuses text longer than this is refused: a list, not a document. */
export const MAX_STATUS_LIST_LENGTH = 1000;

export class FailureRulesError extends SettingsError<'countedStatuses'> {
	readonly problem: string;

	constructor(value: unknown, problem: string) {
		super(
			'countedStatuses',
			value,
			'a comma-separated list of statuses (503), ranges (500-599) or classes (5xx) from 100 to 599',
		);
		this.problem = problem;
		this.name = 'FailureRulesError';
	}
}

/**
 * Parses "5xx, 408, 429, 520-530" into ranges. Empty counts no status (every status
 * failure is then ignored). Anything else — a status out of 100–599, a backwards range,
 * a word — is refused with the entry that is wrong.
 */
export function parseStatusList(text: unknown): StatusRange[] {
	if (typeof text !== 'string') throw new FailureRulesError(text, 'is not text');
	if (text.length > MAX_STATUS_LIST_LENGTH)
		throw new FailureRulesError(text, `is longer than ${MAX_STATUS_LIST_LENGTH} characters`);
	const ranges: StatusRange[] = [];
	for (const raw of text.split(',')) {
		const entry = raw.trim();
		if (entry === '') continue;
		const range = parseEntry(entry);
		if (range === null)
			throw new FailureRulesError(text, `has an entry that is not a status: "${entry}"`);
		ranges.push(range);
	}
	return ranges;
}

function parseEntry(entry: string): StatusRange | null {
	const status = (digits: string) => {
		const value = Number(digits);
		return value >= 100 && value <= 599 ? value : null;
	};
	const single = /^(\d{3})$/.exec(entry);
	if (single) {
		const value = status(single[1]);
		return value === null ? null : { from: value, to: value };
	}
	const family = /^([1-5])xx$/i.exec(entry);
	if (family) {
		const from = Number(family[1]) * 100;
		return { from, to: from + 99 };
	}
	const range = /^(\d{3})\s*-\s*(\d{3})$/.exec(entry);
	if (range) {
		const from = status(range[1]);
		const to = status(range[2]);
		return from === null || to === null || from > to ? null : { from, to };
	}
	return null;
}

/** Whether `status` is in the ranges. */
export function statusCounts(ranges: readonly StatusRange[], status: number): boolean {
	return ranges.some((range) => status >= range.from && status <= range.to);
}

/** The ranges as people wrote them, near enough: "5xx, 408, 429". */
export function describeStatuses(ranges: readonly StatusRange[]): string {
	if (ranges.length === 0) return 'no status';
	return ranges
		.map(({ from, to }) =>
			from === to
				? String(from)
				: from % 100 === 0 && to === from + 99
					? `${from / 100}xx`
					: `${from}-${to}`,
		)
		.join(', ');
}

export const DEFAULT_FAILURE_RULES: Readonly<FailureRules> = Object.freeze({
	statuses: Object.freeze(parseStatusList(DEFAULT_COUNTED_STATUSES)),
	networkErrors: true,
	timeouts: true,
	unrecognised: true,
});

/**
 * The verdict on one failure. `error` is what the item carries as its error (the HTTP
 * Request node's `json.error`, a vendor node's message, or the whole item when it has no
 * error field); `details` the `json.details` n8n puts beside it from HTTP Request 4.5.
 * The order of evidence is Dead Letter's: a status first, then a code, then the words.
 */
export function judgeFailure(
	error: unknown,
	details: unknown,
	rules: FailureRules,
): FailureVerdict {
	// The clock only dates a Retry-After header, which a breaker does not read.
	const facts = failureFacts(error, details, 0);
	const { httpCode, code, message } = facts;
	const verdict = (counted: boolean, kind: FailureKind, reason: string): FailureVerdict => ({
		counted,
		kind,
		httpCode,
		code,
		class: classifyFailure(facts).class,
		reason,
	});
	if (httpCode !== null) {
		const counted = statusCounts(rules.statuses, httpCode);
		return verdict(
			counted,
			'status',
			`HTTP ${httpCode} is ${counted ? '' : 'not '}in ${describeStatuses(rules.statuses)}`,
		);
	}
	const words = [message, facts.description ?? '', ...facts.messages].join('\n');
	if (isTimeoutError(code, words)) {
		return verdict(rules.timeouts, 'timeout', `a timeout${code === null ? '' : ` (${code})`}`);
	}
	if (isNetworkErrorCode(code) || NETWORK_ERROR_TEXT.test(words)) {
		return verdict(
			rules.networkErrors,
			'network',
			`a connection error${code === null ? '' : ` (${code})`}`,
		);
	}
	// n8n's "The service failed to process your request": a 5xx, which one it does not say.
	const family = code === 'HTTP_5XX' ? 500 : code === 'HTTP_4XX' ? 400 : null;
	if (family !== null) {
		const counted = rules.statuses.some((range) => range.from <= family && range.to >= family + 99);
		return verdict(
			counted,
			'status',
			`a ${family / 100}xx status (n8n's message for it) is ${counted ? '' : 'not '}in ${describeStatuses(rules.statuses)}`,
		);
	}
	return verdict(rules.unrecognised, 'unrecognised', 'no status, network code or timeout');
}
