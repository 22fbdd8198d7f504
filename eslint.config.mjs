import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
	// This package is for self-hosted n8n: it uses the file system, sockets and timers by design.
	...configWithoutCloudSupport,
	{ ignores: ['build/**', 'dist/**', 'node_modules/**'] },
	{
		// The pure core and the stores never import n8n (DESIGN.md): they throw plain
		// errors (StoreError, TypeError), which nodes/shared/n8n turns into
		// NodeOperationErrors that name the node and the item.
		files: ['nodes/shared/core/**/*.ts', 'nodes/shared/stores/**/*.ts'],
		rules: { '@n8n/community-nodes/require-node-api-error': 'off' },
	},
	{
		// Tests and benchmarks are not node code: they print their figures (race results,
		// tables), start n8n and Redis as child processes, throw plain assertion errors and
		// hold fixture passwords for throwaway test servers.
		files: ['test/**/*.ts'],
		rules: {
			'no-console': 'off',
			'@n8n/community-nodes/require-node-api-error': 'off',
			'@n8n/community-nodes/no-dangerous-functions': 'off',
			'@n8n/community-nodes/no-hardcoded-secrets': 'off',
			// Harness-only test nodes, and compiled node files loaded by path at run time.
			'@n8n/community-nodes/node-usable-as-tool': 'off',
			'@typescript-eslint/no-require-imports': 'off',
		},
	},
];
