import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * The key Dead Letter keeps captured payloads encrypted with (AES-256-GCM) where
 * redaction replaced a secret, so a replay sends the payload as it was captured.
 */
export class IntegrationGuardsEncryptionApi implements ICredentialType {
	name = 'integrationGuardsEncryptionApi';

	displayName = 'Integration Guards Encryption Key API';

	icon: Icon = { light: 'file:guardsStore.svg', dark: 'file:guardsStore.dark.svg' };

	documentationUrl =
		'https://github.com/n8n-nodes-integration-guards/n8n-nodes-integration-guards/blob/main/docs/credentials.md';

	properties: INodeProperties[] = [
		{
			displayName: 'Key ID',
			name: 'keyId',
			type: 'string',
			default: 'key-1',
			required: true,
			description:
				'A label stored with each encrypted record, so the right key opens it after a rotation. Letters, digits, dots, dashes, underscores.',
		},
		{
			displayName: 'Key',
			name: 'secretKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'e.g. output of: openssl rand -base64 32',
			description:
				'32 random bytes as base64 (44 characters) or hex (64 digits). Keep a copy: records encrypted with it cannot be replayed without it.',
		},
		{
			displayName: 'Previous Keys',
			name: 'previousSecretKeys',
			type: 'string',
			typeOptions: { password: true, rows: 3 },
			default: '',
			placeholder: 'key-0=…',
			description:
				'Keys replaced by a rotation, one per line as <key ID>=<key>: records encrypted with them still open. Remove a line once no open record uses it.',
		},
	];
}
