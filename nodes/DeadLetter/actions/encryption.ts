import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IExecuteFunctions,
	INodeCredentialTestResult,
	INodeProperties,
} from 'n8n-workflow';

import { deadletter, operationError } from '../../shared';

/**
 * Redacted values and the Encryption Key credential: Capture seals the captured payload
 * with it when redaction changed it, Replay opens it to send the payload as captured.
 */

export const ENCRYPTION_CREDENTIAL = 'integrationGuardsEncryptionApi';
export const ENCRYPTION_TEST = 'integrationGuardsEncryptionTest';
/** From this version Replay sends the captured payload, whole, beside its marker (never a placeholder). */
export const EXACT_REPLAY_VERSION = 2.2;

const fromExactVersion = { '@version': [{ _cnd: { gte: EXACT_REPLAY_VERSION } }] };

export const redactedValuesProperty: INodeProperties = {
	displayName: 'Redacted Values',
	name: 'redactedValues',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'Ask for Them (Needs Input)',
			value: 'needsInput',
			description:
				'Only the redacted payload is stored. A record that lost values to redaction leaves Replay on Needs Input, naming them: fill them in and replay it from the item.',
		},
		{
			name: 'Keep Encrypted',
			value: 'encrypted',
			description:
				'Capture also keeps the captured payload encrypted (AES-256-GCM) with the key of an Encryption Key credential; Replay opens it and sends the payload as it was',
		},
	],
	default: 'needsInput',
	description:
		'What a replay sends where redaction replaced a secret. Lists, stats and errors always show the redacted payload. Use the same credential on Capture and Replay.',
	displayOptions: {
		show: { operation: ['capture', 'captureExecution', 'replay'], ...fromExactVersion },
	},
};

/** The keyring of the node's Encryption Key credential, or null when the node keeps no originals. */
export async function readKeyring(context: IExecuteFunctions): Promise<deadletter.Keyring | null> {
	if (context.getNode().typeVersion < EXACT_REPLAY_VERSION) return null;
	return await redactedValuesKeyring(context);
}

/** The keyring when the node's Redacted Values is Keep Encrypted (Dead Letter 2.2, Dead Letter Trigger), else null. */
export async function redactedValuesKeyring(
	context: IExecuteFunctions,
): Promise<deadletter.Keyring | null> {
	if (context.getNodeParameter('redactedValues', 0, 'needsInput') !== 'encrypted') return null;
	const data = await context.getCredentials(ENCRYPTION_CREDENTIAL);
	try {
		return keyringOf(data);
	} catch (error) {
		throw operationError(
			context,
			`The Encryption Key credential cannot be used. ${(error as Error).message}`,
			{
				description:
					'Open the credential and give a 32-byte key (openssl rand -base64 32) and a key ID.',
			},
		);
	}
}

function keyringOf(data: Record<string, unknown> | undefined): deadletter.Keyring {
	return deadletter.parseKeyring({
		keyId: String(data?.keyId ?? ''),
		key: String(data?.secretKey ?? ''),
		previousKeys: typeof data?.previousSecretKeys === 'string' ? data.previousSecretKeys : '',
	});
}

/** The credential's Test button: parses every key and seals and opens a probe with the current one. */
export async function testEncryptionKey(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	try {
		deadletter.checkKeyring(keyringOf(credential.data));
		return { status: 'OK', message: 'The key seals and opens a test record' };
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
}
