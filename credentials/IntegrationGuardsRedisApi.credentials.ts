import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/** Connection to the Redis that holds shared guard state (queue mode, several workers). */
export class IntegrationGuardsRedisApi implements ICredentialType {
	name = 'integrationGuardsRedisApi';

	displayName = 'Integration Guards Redis Store';

	icon: Icon = { light: 'file:guardsStore.svg', dark: 'file:guardsStore.dark.svg' };

	documentationUrl =
		'https://github.com/n8n-nodes-integration-guards/n8n-nodes-integration-guards/blob/main/docs/credentials.md';

	properties: INodeProperties[] = [
		{
			displayName: 'Host',
			name: 'host',
			type: 'string',
			default: 'localhost',
			required: true,
			description:
				'Host name or IP address of the Redis server, as every n8n worker reaches it (no redis:// prefix, no port)',
		},
		{
			displayName: 'Port',
			name: 'port',
			type: 'number',
			default: 6379,
			required: true,
			description: 'Port the Redis server listens on (6379 unless it was changed)',
		},
		{
			displayName: 'User',
			name: 'user',
			type: 'string',
			default: '',
			description: 'Redis ACL user. Leave empty for the default user.',
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Leave empty when the server has no password (the Test button reports a password the server never checks)',
		},
		{
			displayName: 'Database Number',
			name: 'database',
			type: 'number',
			default: 0,
			description: 'Redis logical database (0 to 15 on a default server)',
		},
		{
			displayName: 'SSL',
			name: 'ssl',
			type: 'boolean',
			default: false,
			description:
				'Whether to connect with TLS. Turn it on only when the server expects TLS (managed Redis usually does); it must match the server.',
		},
		{
			displayName: 'Ignore SSL Issues (Insecure)',
			name: 'ignoreSslIssues',
			type: 'boolean',
			default: false,
			displayOptions: { show: { ssl: [true] } },
			description: 'Whether to connect even if the server certificate cannot be verified',
		},
		{
			displayName: 'CA Certificate',
			name: 'caCertificate',
			type: 'string',
			typeOptions: { rows: 4, password: true },
			default: '',
			placeholder: '-----BEGIN CERTIFICATE-----',
			displayOptions: { show: { ssl: [true] } },
			description:
				'PEM of the certificate authority that signed the server certificate, when it is not a public one',
		},
		{
			displayName: 'Key Prefix',
			name: 'keyPrefix',
			type: 'string',
			default: 'n8n-guards:',
			description:
				'Prepended to every key the guards write, so they never collide with other data in this Redis',
		},
	];
}
