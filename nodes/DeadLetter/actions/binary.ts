import type { IBinaryData, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { json } from '../../shared';

/**
 * Binary data in a dead letter: Capture keeps it (its content up to a size, else a
 * reference into n8n's binary store), Replay hands it back.
 */

/**
 * Binary properties as the record keeps them: the content (base64) when it fits under
 * the configured size, otherwise a reference to n8n's binary data — valid as long as
 * n8n keeps the execution. Inline binary (n8n's memory mode) is content already.
 */
export async function binaryFor(
	context: IExecuteFunctions,
	item: INodeExecutionData,
	maxBytes: number,
): Promise<json.JsonObject | null> {
	if (!item.binary || Object.keys(item.binary).length === 0) return null;
	const kept: json.JsonObject = {};
	for (const [property, binary] of Object.entries(item.binary)) {
		const meta: json.JsonObject = {};
		for (const key of ['fileName', 'mimeType', 'fileExtension', 'fileSize', 'fileType'] as const) {
			const value = binary[key];
			if (typeof value === 'string') meta[key] = value;
		}
		if (maxBytes > 0) {
			const buffer = await readBinary(context, binary);
			if (buffer !== null && buffer.length <= maxBytes) {
				kept[property] = {
					...meta,
					kept: 'content',
					bytes: buffer.length,
					data: buffer.toString('base64'),
				};
				continue;
			}
		}
		kept[property] = binary.id
			? { ...meta, kept: 'reference', id: binary.id, data: binary.data }
			: { ...meta, kept: 'content', data: binary.data };
	}
	return kept;
}

/** The bytes of a binary property, from n8n's binary store when it is there. */
async function readBinary(context: IExecuteFunctions, binary: IBinaryData): Promise<Buffer | null> {
	try {
		if (!binary.id) return Buffer.from(binary.data, 'base64');
		return await context.helpers.binaryToBuffer(await context.helpers.getBinaryStream(binary.id));
	} catch {
		// Gone from n8n's binary store: keep the reference, which still names the file.
		return null;
	}
}

/** Stored content becomes binary data of this execution; a reference is handed back as it was. */
export async function restoreBinary(
	context: IExecuteFunctions,
	stored: json.JsonObject | null,
): Promise<Record<string, IBinaryData> | null> {
	if (stored === null) return null;
	const binary: Record<string, IBinaryData> = {};
	for (const [property, value] of Object.entries(stored)) {
		if (!json.isPlainObject(value) || typeof value.data !== 'string') continue;
		const fileName = typeof value.fileName === 'string' ? value.fileName : undefined;
		const mimeType = typeof value.mimeType === 'string' ? value.mimeType : undefined;
		if (value.kept === 'content' && value.id === undefined) {
			binary[property] = await context.helpers.prepareBinaryData(
				Buffer.from(value.data, 'base64'),
				fileName,
				mimeType,
			);
		} else {
			// n8n's own binary data object again: its `id` points into n8n's binary store.
			const reference = Object.fromEntries(
				Object.entries(value).filter(([key]) => key !== 'kept' && key !== 'bytes'),
			);
			binary[property] = reference as unknown as IBinaryData;
		}
	}
	return Object.keys(binary).length > 0 ? binary : null;
}
