import { BINARY_ENCODING } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

/**
 * Send Request's body (version 2.2): JSON as before, or form-urlencoded, multipart
 * form-data (text fields and n8n binary files) and an n8n binary file as the whole body,
 * as n8n's HTTP Request node offers them. A body is read once per item and kept as data,
 * not as a stream, so every try (and n8n's own retry after an OAuth2 token refresh) sends
 * it whole again.
 */

export type ContentType = 'json' | 'form-urlencoded' | 'multipart-form-data' | 'binaryData';

export type FormPart =
	| { name: string; value: string }
	| { name: string; data: Buffer; fileName: string; mimeType: string };

/** The request shape n8n's OAuth helpers take (n8n's older request options, the only ones they accept). */
export type OAuthRequest = Parameters<IExecuteFunctions['helpers']['requestOAuth2']>[1];

export type RequestBody =
	| { kind: 'json'; value: unknown }
	| { kind: 'form'; fields: Array<[string, string]> }
	| { kind: 'multipart'; parts: FormPart[] }
	| { kind: 'binary'; data: Buffer; mimeType: string };

const FROM_2_2 = { '@version': [{ _cnd: { gte: 2.2 } }] };

/** The body parameters of version 2.2, shown under Send Body. */
export const bodyProperties: INodeProperties[] = [
	{
		displayName: 'Body Content Type',
		name: 'contentType',
		type: 'options',
		options: [
			{ name: 'Form Urlencoded', value: 'form-urlencoded' },
			{ name: 'Form-Data', value: 'multipart-form-data' },
			{ name: 'JSON', value: 'json' },
			// eslint-disable-next-line n8n-nodes-base/node-param-display-name-miscased -- n8n is spelled so, as in n8n's HTTP Request node
			{ name: 'n8n Binary File', value: 'binaryData' },
		],
		default: 'json',
		description: 'Format of the request body, as the API expects it',
		displayOptions: { show: { sendBody: [true], ...FROM_2_2 } },
	},
	{
		displayName: 'Body Parameters',
		name: 'bodyParameters',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Parameter',
		default: { parameters: [{ name: '', value: '' }] },
		description: 'Fields of the form, per item. Form-Data fields may carry an n8n binary file.',
		options: [
			{
				name: 'parameters',
				displayName: 'Parameter',
				values: [
					{
						displayName: 'Parameter Type',
						name: 'parameterType',
						type: 'options',
						options: [
							{ name: 'Form Data', value: 'formData' },
							// eslint-disable-next-line n8n-nodes-base/node-param-display-name-miscased -- n8n is spelled so, as in n8n's HTTP Request node
							{ name: 'n8n Binary File', value: 'formBinaryData' },
						],
						default: 'formData',
						description: 'Whether the field holds text or a file from the item',
						displayOptions: { show: { '/contentType': ['multipart-form-data'] } },
					},
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						description: 'Name of the field',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						description: 'Value of the field',
						displayOptions: { show: { parameterType: ['formData'] } },
					},
					{
						displayName: 'Input Data Field Name',
						name: 'inputDataFieldName',
						type: 'string',
						default: 'data',
						description: 'Name of the binary field of the item that holds the file to send',
						displayOptions: { show: { parameterType: ['formBinaryData'] } },
					},
				],
			},
		],
		displayOptions: {
			show: { sendBody: [true], contentType: ['form-urlencoded', 'multipart-form-data'] },
		},
	},
	{
		displayName: 'Input Data Field Name',
		name: 'inputDataFieldName',
		type: 'string',
		default: 'data',
		description:
			'Name of the binary field of the item whose file is the whole body, sent with its MIME type',
		displayOptions: { show: { sendBody: [true], contentType: ['binaryData'], ...FROM_2_2 } },
	},
];

/** The item's body; a message naming the parameter when it cannot be read. */
export async function readBody(
	context: IExecuteFunctions,
	index: number,
	contentType: ContentType,
): Promise<RequestBody | string> {
	if (contentType === 'json') {
		let value: unknown = context.getNodeParameter('jsonBody', index, {});
		if (typeof value === 'string') {
			try {
				value = JSON.parse(value) as unknown;
			} catch {
				return `JSON Body of item ${index} is not valid JSON`;
			}
		}
		return { kind: 'json', value };
	}
	if (contentType === 'binaryData') {
		const field = String(context.getNodeParameter('inputDataFieldName', index, 'data')).trim();
		const file = await binaryFile(context, index, field);
		return typeof file === 'string'
			? file
			: { kind: 'binary', data: file.data, mimeType: file.mimeType };
	}
	const entries = context.getNodeParameter('bodyParameters.parameters', index, []) as Array<{
		parameterType?: string;
		name?: unknown;
		value?: unknown;
		inputDataFieldName?: unknown;
	}>;
	const parts: FormPart[] = [];
	for (const entry of Array.isArray(entries) ? entries : []) {
		const name = typeof entry?.name === 'string' ? entry.name.trim() : '';
		if (name === '') continue;
		if (contentType === 'multipart-form-data' && entry.parameterType === 'formBinaryData') {
			const field = String(entry.inputDataFieldName ?? 'data').trim();
			const file = await binaryFile(context, index, field);
			if (typeof file === 'string') return file;
			parts.push({ name, ...file });
		} else {
			parts.push({
				name,
				value: entry.value === undefined || entry.value === null ? '' : String(entry.value),
			});
		}
	}
	if (contentType === 'form-urlencoded')
		return {
			kind: 'form',
			fields: parts.map((part) => [part.name, 'value' in part ? part.value : '']),
		};
	return { kind: 'multipart', parts };
}

async function binaryFile(
	context: IExecuteFunctions,
	index: number,
	field: string,
): Promise<{ data: Buffer; fileName: string; mimeType: string } | string> {
	const binary = context.getInputData()[index]?.binary?.[field];
	if (!binary) return `Item ${index} has no binary field "${field}" (Input Data Field Name)`;
	// From the item itself (not by index: a group of per-item Limiter Names renumbers items).
	const data = binary.id
		? await context.helpers.binaryToBuffer(await context.helpers.getBinaryStream(binary.id))
		: Buffer.from(binary.data, BINARY_ENCODING);
	return {
		data,
		fileName: binary.fileName ?? field,
		mimeType: binary.mimeType || 'application/octet-stream',
	};
}

/** A body as bytes and its Content-Type, for n8n's request helper (which sends a Buffer as it is). */
export async function encodeBody(
	body: RequestBody,
): Promise<{ data: unknown; contentType?: string }> {
	switch (body.kind) {
		case 'json':
			return { data: body.value };
		case 'form':
			return {
				data: new URLSearchParams(body.fields).toString(),
				contentType: 'application/x-www-form-urlencoded',
			};
		case 'binary':
			return { data: body.data, contentType: body.mimeType };
		case 'multipart': {
			// Node's own FormData and its multipart encoder (the one fetch uses).
			const form = new FormData();
			for (const part of body.parts) {
				if ('value' in part) form.append(part.name, part.value);
				else
					form.append(
						part.name,
						new Blob([new Uint8Array(part.data)], { type: part.mimeType }),
						part.fileName,
					);
			}
			const encoded = new Response(form);
			return {
				data: Buffer.from(await encoded.arrayBuffer()),
				contentType: encoded.headers.get('content-type') ?? undefined,
			};
		}
	}
}

/**
 * A body in the shape n8n's OAuth helpers take (its legacy request options): a form as
 * `form` (OAuth1 signs its fields), form-data as a `formData` description n8n encodes for
 * each request it sends.
 */
export function legacyBody(body: RequestBody, request: OAuthRequest): void {
	switch (body.kind) {
		case 'json':
			request.body = body.value;
			return;
		case 'form':
			request.form = Object.fromEntries(body.fields) as IDataObject;
			return;
		case 'binary':
			request.body = body.data;
			request.headers = { ...request.headers, 'content-type': body.mimeType };
			return;
		case 'multipart': {
			const formData: IDataObject = {};
			for (const part of body.parts) {
				const value =
					'value' in part
						? part.value
						: {
								value: part.data,
								options: { filename: part.fileName, contentType: part.mimeType },
							};
				const existing = formData[part.name];
				formData[part.name] =
					existing === undefined
						? (value as IDataObject)
						: ([...(Array.isArray(existing) ? existing : [existing]), value] as IDataObject[]);
			}
			request.formData = formData;
			return;
		}
	}
}
