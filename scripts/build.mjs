// Builds dist/ the way n8n loads it: every node and credential file listed in
// package.json is bundled on its own, but all of them require ONE bundle of the shared
// code (dist/shared/index.js) that carries our dependencies (zod, ioredis, pg, ...).
// So the published package has no runtime dependencies and one copy of each library.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

const root = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const sharedSource = path.join(root, 'nodes/shared/index.ts');
const sharedOutput = path.join(root, 'dist/shared/index.js');

const common = {
	bundle: true,
	platform: 'node',
	format: 'cjs',
	target: 'node20',
	// n8n provides n8n-workflow; a second copy would break instanceof checks.
	external: ['n8n-workflow'],
	sourcemap: false,
	legalComments: 'none',
	logLevel: 'warning',
};

/**
 * Sends every import of the shared barrel to the one shared bundle; forbids deep imports.
 * The require path is relative to the entry's output file (`outFile`), whatever folder
 * of the node the importing source file sits in.
 */
const sharedAsExternal = (outFile) => ({
	name: 'shared-as-external',
	setup(buildApi) {
		buildApi.onResolve({ filter: /shared/ }, (args) => {
			if (!args.importer || args.kind === 'entry-point') return undefined;
			const resolved = path.resolve(path.dirname(args.importer), args.path);
			const sharedRoot = path.join(root, 'nodes/shared');
			if (resolved !== sharedRoot && !resolved.startsWith(sharedRoot + path.sep)) return undefined;
			if (resolved !== sharedRoot && resolved !== path.join(sharedRoot, 'index')) {
				return {
					errors: [
						{
							text: `Import the shared code through its barrel ('…/shared'), not '${args.path}': the bundle only exports what nodes/shared/index.ts exports.`,
						},
					],
				};
			}
			let relative = path.relative(path.dirname(outFile), sharedOutput).split(path.sep).join('/');
			if (!relative.startsWith('.')) relative = './' + relative;
			return { path: relative, external: true };
		});
	},
});

rmSync(path.join(root, 'dist'), { recursive: true, force: true });

// The tokenizer's tables are about 4 MB of code: a bundle of their own, required only
// when a Cost Guard node estimates from a prompt, so loading the package stays fast.
const TOKENIZER = 'gpt-tokenizer/cjs/encoding/o200k_base';
const tokenizerAsExternal = {
	name: 'tokenizer-as-external',
	setup(buildApi) {
		buildApi.onResolve({ filter: /^gpt-tokenizer\// }, () => ({
			path: './tokenizer.js',
			external: true,
		}));
	},
};
await build({
	...common,
	entryPoints: [sharedSource],
	outfile: sharedOutput,
	plugins: [tokenizerAsExternal],
});
await build({
	...common,
	entryPoints: [path.join(root, 'node_modules', TOKENIZER + '.js')],
	outfile: path.join(root, 'dist/shared/tokenizer.js'),
});

const entries = [...(pkg.n8n.nodes ?? []), ...(pkg.n8n.credentials ?? [])].map((file) =>
	path.join(root, file.replace(/^dist\//, '').replace(/\.js$/, '.ts')),
);
// One build per entry, so each knows its own output file (see sharedAsExternal).
for (const entry of entries) {
	const outFile = path.join(root, 'dist', path.relative(root, entry)).replace(/\.ts$/, '.js');
	await build({
		...common,
		entryPoints: [entry],
		outfile: outFile,
		plugins: [sharedAsExternal(outFile)],
	});
}

// Icons and codex files next to the code, as n8n expects them.
execFileSync(
	process.execPath,
	[
		path.join(root, 'node_modules/gulp/bin/gulp.js'),
		'--cwd',
		root,
		'--gulpfile',
		path.join(root, 'gulpfile.js'),
		'build:assets',
	],
	{
		stdio: 'inherit',
	},
);
console.log(`built ${entries.length} node and credential files + dist/shared/index.js`);
