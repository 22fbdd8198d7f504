import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { configError, paths, ratelimit } from '../../shared';
import type { Exchange, RequestSpec } from './http';

/**
 * Send Request's pagination (version 2.2), in the two modes of n8n's HTTP Request node:
 * the response contains the next page's URL, or a parameter (query, body or header) is
 * updated for each request: a page number, an offset or a cursor from the response. Each
 * page is a request of its own through the limiter (one slot per page) with the retries;
 * the item leaves once, with every page's records gathered in its response. Fields of the
 * response are named by a path (e.g. links.next), not an expression: the path is read
 * from the answer's JSON body, so nothing is evaluated per page.
 */

export type PaginationMode = 'off' | 'responseContainsNextURL' | 'updateAParameterInEachRequest';
type ParameterType = 'qs' | 'body' | 'headers';
type ValueSource = 'page' | 'offset' | 'cursor';
type CompleteWhen = 'responseIsEmpty' | 'receiveSpecificStatusCodes' | 'fieldIsEmpty';

export interface PaginationSettings {
	mode: PaginationMode;
	/** Path of the next URL in the body; empty: the Link header's rel="next". */
	nextUrlField: string;
	parameterType: ParameterType;
	parameterName: string;
	valueSource: ValueSource;
	start: number;
	step: number;
	cursorField: string;
	/** Where a page's records are; empty: the body itself when it is a list. */
	resultsPath: string;
	completeWhen: CompleteWhen;
	statusCodes: Set<number>;
	completeField: string;
	maxPages: number;
}

const FROM_2_2 = { '@version': [{ _cnd: { gte: 2.2 } }] };

export const paginationProperty: INodeProperties = {
	displayName: 'Pagination',
	name: 'pagination',
	type: 'collection',
	placeholder: 'Add Pagination Setting',
	default: {},
	description:
		'Fetch every page for each item: each page takes its own slot from the limiter and is retried like any request. The item leaves once, with the records of all pages.',
	displayOptions: { show: FROM_2_2 },
	options: [
		{
			displayName: 'Complete Field',
			name: 'completeField',
			type: 'string',
			default: '',
			placeholder: 'e.g. has_more',
			description: 'Path of a field of the response body; pagination ends when it is empty',
		},
		{
			displayName: 'Complete When',
			name: 'completeWhen',
			type: 'options',
			options: [
				{
					name: 'Field Is Empty',
					value: 'fieldIsEmpty',
					description: 'The field at Complete Field is missing, empty, false or 0',
				},
				{
					name: 'Receive Specific Status Codes',
					value: 'receiveSpecificStatusCodes',
					description: 'The API answers one of Status Codes When Complete',
				},
				{
					name: 'Response Is Empty',
					value: 'responseIsEmpty',
					description:
						'The page has no records (at Results Path), or no next URL or cursor is given',
				},
			],
			default: 'responseIsEmpty',
			description: 'When the last page has been fetched',
		},
		{
			displayName: 'Cursor Field',
			name: 'cursorField',
			type: 'string',
			default: '',
			placeholder: 'e.g. meta.next_cursor',
			description: 'Path of the next cursor in the response body (Value Source: Cursor)',
		},
		{
			displayName: 'Max Pages',
			name: 'maxPages',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 10000 },
			default: 100,
			description: 'Most pages fetched per item, the first included',
		},
		{
			displayName: 'Mode',
			name: 'mode',
			type: 'options',
			options: [
				{ name: 'Off', value: 'off' },
				{
					name: 'Response Contains Next URL',
					value: 'responseContainsNextURL',
					description: 'Each answer names the next page (a field of the body or a Link header)',
				},
				{
					name: 'Update a Parameter in Each Request',
					value: 'updateAParameterInEachRequest',
					description: 'A page number, offset or cursor is sent with each request',
				},
			],
			default: 'off',
			description: 'How the next page is asked for',
		},
		{
			displayName: 'Next URL Field',
			name: 'nextUrlField',
			type: 'string',
			default: '',
			placeholder: 'e.g. links.next',
			description:
				'Path of the next URL in the response body. Empty uses the Link header\'s rel="next".',
		},
		{
			displayName: 'Parameter Name',
			name: 'parameterName',
			type: 'string',
			default: 'page',
			description: 'Name of the query parameter, body field or header that asks for a page',
		},
		{
			displayName: 'Parameter Type',
			name: 'parameterType',
			type: 'options',
			options: [
				{ name: 'Body', value: 'body' },
				{ name: 'Header', value: 'headers' },
				{ name: 'Query', value: 'qs' },
			],
			default: 'qs',
			description: 'Where the page parameter is sent',
		},
		{
			displayName: 'Results Path',
			name: 'resultsPath',
			type: 'string',
			default: '',
			placeholder: 'e.g. data',
			description:
				"Path of the page's records in the response body. Empty takes the body when it is a list, else the whole body as one record.",
		},
		{
			displayName: 'Start Value',
			name: 'start',
			type: 'number',
			default: 1,
			description: 'Page number or offset of the first request',
		},
		{
			displayName: 'Status Codes When Complete',
			name: 'statusCodes',
			type: 'string',
			default: '404',
			placeholder: 'e.g. 204, 404',
			description: 'Statuses that mean there are no more pages, comma-separated',
		},
		{
			displayName: 'Step',
			name: 'step',
			type: 'number',
			default: 1,
			description:
				'Added to the page number or offset for each page (the page size, for an offset)',
		},
		{
			displayName: 'Value Source',
			name: 'valueSource',
			type: 'options',
			options: [
				{ name: 'Cursor From Response', value: 'cursor' },
				{ name: 'Offset', value: 'offset' },
				{ name: 'Page Number', value: 'page' },
			],
			default: 'page',
			description: 'What the parameter carries',
		},
	],
};

/** The pagination settings, read once per execution; null when pagination is off. */
export function readPagination(context: IExecuteFunctions): PaginationSettings | null {
	if (context.getNode().typeVersion < 2.2) return null;
	const raw = context.getNodeParameter('pagination', 0, {}) as IDataObject;
	const mode = (raw.mode ?? 'off') as PaginationMode;
	if (mode === 'off') return null;
	const text = (name: string, fallback = '') => String(raw[name] ?? fallback).trim();
	const number = (name: string, fallback: number) => {
		const value = Number(raw[name] ?? fallback);
		return Number.isFinite(value) ? value : fallback;
	};
	const statuses = ratelimit.parseStatusList(text('statusCodes', '404'));
	if ('bad' in statuses)
		throw configError(
			context,
			'Status Codes When Complete',
			`has an entry that is not a status: "${statuses.bad}"`,
			'List statuses, e.g. 204, 404.',
		);
	const settings: PaginationSettings = {
		mode,
		nextUrlField: text('nextUrlField'),
		parameterType: (raw.parameterType ?? 'qs') as ParameterType,
		parameterName: text('parameterName', 'page'),
		valueSource: (raw.valueSource ?? 'page') as ValueSource,
		start: number('start', 1),
		step: number('step', 1),
		cursorField: text('cursorField'),
		resultsPath: text('resultsPath'),
		completeWhen: (raw.completeWhen ?? 'responseIsEmpty') as CompleteWhen,
		statusCodes: statuses.statuses,
		completeField: text('completeField'),
		maxPages: Math.max(1, Math.floor(number('maxPages', 100))),
	};
	if (mode === 'updateAParameterInEachRequest' && settings.parameterName === '')
		throw configError(context, 'Parameter Name', 'is empty', 'Name the parameter, e.g. page.');
	if (
		settings.valueSource === 'cursor' &&
		mode === 'updateAParameterInEachRequest' &&
		settings.cursorField === ''
	)
		throw configError(
			context,
			'Cursor Field',
			'is empty',
			'Give the path of the next cursor in the response body, e.g. meta.next_cursor.',
		);
	if (settings.completeWhen === 'fieldIsEmpty' && settings.completeField === '')
		throw configError(
			context,
			'Complete Field',
			'is empty',
			'Give the path of the field that ends pagination, e.g. has_more.',
		);
	return settings;
}

/** The records of one page, as Results Path says. */
export function pageRecords(settings: PaginationSettings, body: unknown): unknown[] {
	const at = settings.resultsPath === '' ? body : paths.getPath(body, settings.resultsPath);
	if (Array.isArray(at)) return at;
	return at === undefined || at === null ? [] : [at];
}

/**
 * The URL in a Link header with rel="next" (RFC 8288), if any. Read by splitting, not by a
 * regular expression: the header is the vendor's, up to Node's header size limit.
 */
export function linkNext(header: unknown): string | null {
	const text = Array.isArray(header) ? header.join(',') : typeof header === 'string' ? header : '';
	for (const link of text.split('<').slice(1)) {
		const end = link.indexOf('>');
		if (end < 0) continue;
		const rel = link
			.slice(end + 1)
			.split(';')
			.map((parameter) => parameter.split('='))
			.find(([name]) => name.trim().toLowerCase() === 'rel');
		const values = (rel?.[1] ?? '')
			.trim()
			.replace(/^"|"?,?$/g, '')
			.toLowerCase()
			.split(' ');
		if (values.includes('next')) return link.slice(0, end).trim();
	}
	return null;
}

const empty = (value: unknown) =>
	value === undefined ||
	value === null ||
	value === false ||
	value === 0 ||
	value === '' ||
	(Array.isArray(value) && value.length === 0);

/**
 * The request for the page after `page` (1-based), given the answer to it; null when the
 * answer was the last page. `first` is the item's own request.
 */
export function nextPage(
	settings: PaginationSettings,
	first: RequestSpec,
	current: RequestSpec,
	answer: Exchange & { kind: 'response' },
	page: number,
): RequestSpec | null {
	if (page >= settings.maxPages) return null;
	if (
		settings.completeWhen === 'receiveSpecificStatusCodes' &&
		settings.statusCodes.has(answer.status)
	)
		return null;
	if (
		settings.completeWhen === 'fieldIsEmpty' &&
		empty(paths.getPath(answer.body, settings.completeField))
	)
		return null;
	if (
		settings.completeWhen === 'responseIsEmpty' &&
		pageRecords(settings, answer.body).length === 0
	)
		return null;
	if (settings.mode === 'responseContainsNextURL') {
		const next =
			settings.nextUrlField === ''
				? linkNext(answer.headers.link)
				: paths.getPath(answer.body, settings.nextUrlField);
		if (typeof next !== 'string' || next.trim() === '') return null;
		let url: URL;
		try {
			url = new URL(next.trim(), current.url);
		} catch {
			return null;
		}
		if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
		// The next URL carries its own query; the item's query parameters were for the first page.
		return { ...current, url: url.href, query: {} };
	}
	let value: string;
	if (settings.valueSource === 'cursor') {
		const cursor = paths.getPath(answer.body, settings.cursorField);
		if (empty(cursor) || (typeof cursor !== 'string' && typeof cursor !== 'number')) return null;
		value = String(cursor);
	} else value = String(settings.start + settings.step * page);
	return withParameter(settings, first, value);
}

/** The item's request with the page parameter set to `value`. */
export function withParameter(
	settings: PaginationSettings,
	spec: RequestSpec,
	value: string,
): RequestSpec {
	const name = settings.parameterName;
	switch (settings.parameterType) {
		case 'headers':
			return { ...spec, headers: { ...spec.headers, [name.toLowerCase()]: value } };
		case 'body': {
			const body = spec.body;
			const base =
				body?.kind === 'json' && body.value !== null && typeof body.value === 'object'
					? (body.value as IDataObject)
					: {};
			if (body?.kind === 'form')
				return {
					...spec,
					body: {
						kind: 'form',
						fields: [...body.fields.filter(([key]) => key !== name), [name, value]],
					},
				};
			return { ...spec, body: { kind: 'json', value: { ...base, [name]: value } } };
		}
		default:
			return { ...spec, query: { ...spec.query, [name]: value } };
	}
}

/** The first page's request: the item's own, with the start value when a parameter is updated. */
export function firstPage(settings: PaginationSettings, spec: RequestSpec): RequestSpec {
	if (settings.mode !== 'updateAParameterInEachRequest' || settings.valueSource === 'cursor')
		return spec;
	return withParameter(settings, spec, String(settings.start));
}
