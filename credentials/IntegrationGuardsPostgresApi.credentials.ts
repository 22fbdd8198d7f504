import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/** Connection to the Postgres that holds durable guard state (dead letters, ledgers). */
export class IntegrationGuardsPostgresApi implements ICredentialType {
	name = 'integrationGuardsPostgresApi';

	displayName = 'Integration Guards Postgres Store';

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
				'Host name or IP address of the Postgres server, as every n8n worker reaches it (no postgres:// prefix, no port)',
		},
		{
			displayName: 'Port',
			name: 'port',
			type: 'number',
			default: 5432,
			required: true,
			description: 'Port the Postgres server listens on (5432 unless it was changed)',
		},
		{
			displayName: 'Database',
			name: 'database',
			type: 'string',
			default: 'postgres',
			required: true,
			description: 'Name of the database that holds the guard tables',
		},
		{
			displayName: 'User',
			name: 'user',
			type: 'string',
			default: 'postgres',
			required: true,
			description:
				'Postgres role to log in as. It needs to create tables in Schema (or have them created once by an owner).',
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Leave empty only when the server does not check passwords (the Test button reports a password the server never asks for)',
		},
		{
			displayName: 'SSL',
			name: 'ssl',
			type: 'options',
			options: [
				{ name: 'Disable', value: 'disable' },
				{ name: 'Allow', value: 'allow', description: 'Use SSL without verifying the certificate' },
				{
					name: 'Require',
					value: 'require',
					description: 'Use SSL without verifying the certificate',
				},
				{
					name: 'Verify Full',
					value: 'verify-full',
					description: 'Use SSL and verify the certificate and host name',
				},
			],
			default: 'disable',
			description:
				'Whether and how to use TLS. It must match the server: Disable for a server without SSL, Require or Verify Full when it requires SSL.',
		},
		{
			displayName: 'CA Certificate',
			name: 'caCertificate',
			type: 'string',
			typeOptions: { rows: 4, password: true },
			default: '',
			placeholder: '-----BEGIN CERTIFICATE-----',
			displayOptions: { show: { ssl: ['verify-full'] } },
			description:
				'PEM of the certificate authority that signed the server certificate, when it is not a public one (e.g. AWS RDS)',
		},
		{
			displayName: 'Schema',
			name: 'schema',
			type: 'string',
			default: 'public',
			description: 'Schema that holds the guard tables. Created if it does not exist.',
		},
		{
			displayName: 'Table Prefix',
			name: 'tablePrefix',
			type: 'string',
			default: 'n8n_guards_',
			description:
				'Prepended to every table the guards create. Letters, digits and underscores only.',
		},
	];
}
