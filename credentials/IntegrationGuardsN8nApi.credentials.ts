import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

/**
 * This n8n instance's public API (Settings → n8n API → Create an API key), for the
 * Credential Expiry Check: it lists the instance's credentials and tests them. The key
 * needs the scopes credential:list and credential:read.
 */
export class IntegrationGuardsN8nApi implements ICredentialType {
	name = 'integrationGuardsN8nApi';

	// The brand is spelled "n8n" (the linter's title case would make it "N8n").
	// eslint-disable-next-line n8n-nodes-base/cred-class-field-display-name-miscased
	displayName = 'Integration Guards n8n API';

	icon: Icon = { light: 'file:n8nApi.svg', dark: 'file:n8nApi.dark.svg' };

	documentationUrl =
		'https://github.com/n8n-nodes-integration-guards/n8n-nodes-integration-guards/blob/main/docs/credentials.md';

	properties: INodeProperties[] = [
		{
			displayName: 'Instance URL',
			name: 'baseUrl',
			type: 'string',
			default: 'http://localhost:5678',
			required: true,
			placeholder: 'https://n8n.example.com',
			description: 'Address of this n8n instance, as you open it in the browser (without /api/v1)',
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'Create one in Settings → n8n API. It needs the scopes credential:list and credential:read.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { headers: { 'X-N8N-API-KEY': '={{$credentials.apiKey}}' } },
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "").replace(/\\/api\\/v1$/, "")}}',
			url: '/api/v1/credentials',
			qs: { limit: 1 },
			// The key travels in a header: a redirect could take it to another host.
			disableFollowRedirect: true,
		},
	};
}
