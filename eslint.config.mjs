import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
	// This package is for self-hosted n8n: it uses the file system, sockets and timers by design.
	...configWithoutCloudSupport,
	{ ignores: ['build/**', 'dist/**', 'node_modules/**'] },
	{
		// Tests and benchmarks print their figures (race results, tables).
		files: ['test/**/*.ts'],
		rules: { 'no-console': 'off' },
	},
];
