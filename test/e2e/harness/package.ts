// Packing this package (`npm pack`, cached by a fingerprint of its sources) and installing
// the tarball into an n8n user folder the way a user would; the types it declares.
import { createHash } from 'node:crypto';
import {
	existsSync,
	mkdirSync,
	readdirSync,
	readFileSync,
	renameSync,
	rmSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import path from 'node:path';

import { runProcess, seconds, withLock } from './processes';
import {
	cacheBase,
	ensureRuntime,
	PACKAGE_NAME,
	repoRoot,
	type Runtime,
	runtimeEnv,
} from './runtime';

/** A content hash of everything that goes into the tarball. */
function sourceFingerprint(root: string): string {
	const hash = createHash('sha256');
	const visit = (relative: string): void => {
		const absolute = path.join(root, relative);
		if (!existsSync(absolute)) return;
		const stat = statSync(absolute);
		if (stat.isDirectory()) {
			for (const entry of readdirSync(absolute).sort()) visit(path.join(relative, entry));
		} else if (stat.isFile()) {
			hash.update(relative).update('\0').update(readFileSync(absolute)).update('\0');
		}
	};
	for (const item of [
		'package.json',
		'package-lock.json',
		'tsconfig.json',
		'gulpfile.js',
		'scripts/build.mjs',
		'nodes',
		'credentials',
		'README.md',
		'LICENSE',
		'LICENSE.md',
	]) {
		visit(item);
	}
	return hash.digest('hex').slice(0, 16);
}

let tarballPromise: Promise<string> | undefined;

/**
 * `npm pack` of the repo (its prepack runs the build). The tarball is cached under
 * <cache>/packs/<fingerprint>/ so every test file of a run (each its own process) and
 * later runs with unchanged sources reuse it.
 */
export function packPackage(): Promise<string> {
	tarballPromise ??= (async () => {
		const given = process.env.N8N_GUARDS_TARBALL;
		if (given) {
			if (!existsSync(given))
				throw new Error(`harness: N8N_GUARDS_TARBALL=${given} does not exist`);
			return path.resolve(given);
		}
		const runtime = await ensureRuntime();
		const root = repoRoot();
		const fingerprint = sourceFingerprint(root);
		const packDir = path.join(cacheBase(), 'packs', fingerprint);
		const findTarball = (): string | undefined => {
			if (!existsSync(packDir)) return undefined;
			const found = readdirSync(packDir).find((file) => file.endsWith('.tgz'));
			return found && path.join(packDir, found);
		};
		const cached = findTarball();
		if (cached) return cached;
		return await withLock(`${packDir}.lock`, async () => {
			const again = findTarball();
			if (again) return again;
			const building = `${packDir}.tmp-${process.pid}`;
			rmSync(building, { recursive: true, force: true });
			mkdirSync(building, { recursive: true });
			const started = Date.now();
			const result = await runProcess(
				'npm',
				['pack', '--pack-destination', building, '--json', '--loglevel=warn'],
				{
					cwd: root,
					env: runtimeEnv(runtime),
					timeoutMs: 10 * 60 * 1000,
				},
			);
			if (result.code !== 0) {
				rmSync(building, { recursive: true, force: true });
				throw new Error(
					`harness: \`npm pack\` in ${root} failed (exit ${result.code}):\n${(result.stderr + result.stdout).slice(-6000)}`,
				);
			}
			rmSync(packDir, { recursive: true, force: true });
			mkdirSync(path.dirname(packDir), { recursive: true });
			// rename is atomic: other processes see either no folder or a complete one
			renameSync(building, packDir);
			const tarball = findTarball();
			if (!tarball) throw new Error(`harness: npm pack wrote no tarball into ${packDir}`);
			process.stderr.write(`[e2e] packed ${path.basename(tarball)} in ${seconds(started)} s\n`);
			prunePacks(path.dirname(packDir), packDir);
			return tarball;
		});
	})();
	tarballPromise.catch(() => {
		tarballPromise = undefined;
	});
	return tarballPromise;
}

/** Keeps the packs folder small: the 5 newest tarball folders stay. */
function prunePacks(packsDir: string, keep: string): void {
	try {
		const folders = readdirSync(packsDir)
			.filter((name) => /^[0-9a-f]{16}$/.test(name))
			.map((name) => ({
				dir: path.join(packsDir, name),
				mtime: statSync(path.join(packsDir, name)).mtimeMs,
			}))
			.sort((a, b) => b.mtime - a.mtime);
		for (const { dir } of folders.slice(5))
			if (dir !== keep) rmSync(dir, { recursive: true, force: true });
	} catch {
		// pruning is best effort
	}
}

/** `npm install --omit=dev --omit=peer <tarball>` in <user folder>/.n8n/nodes, as a user would. */
export async function installPackage(
	userFolder: string,
	tarball: string,
	runtime: Runtime,
): Promise<string> {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodesDir, { recursive: true });
	const manifest = path.join(nodesDir, 'package.json');
	// The same manifest n8n writes there when it installs community packages itself.
	if (!existsSync(manifest))
		writeFileSync(
			manifest,
			JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2),
		);
	const started = Date.now();
	// --omit=peer: without it npm installs a second n8n-workflow next to our package.
	// --prefer-offline: same result, but npm does not revalidate the peer's metadata
	// (resolving n8n-workflow's tree online takes ~14 s, from its cache ~5 s).
	const result = await runProcess(
		'npm',
		[
			'install',
			'--omit=dev',
			'--omit=peer',
			'--prefer-offline',
			'--no-audit',
			'--no-fund',
			'--loglevel=warn',
			tarball,
		],
		{
			cwd: nodesDir,
			env: runtimeEnv(runtime),
			timeoutMs: 5 * 60 * 1000,
		},
	);
	if (result.code !== 0) {
		throw new Error(
			`harness: installing ${tarball} into ${nodesDir} failed (exit ${result.code}):\n${(result.stderr + result.stdout).slice(-6000)}`,
		);
	}
	const installed = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
	if (!existsSync(path.join(installed, 'package.json')))
		throw new Error(`harness: ${installed} missing after npm install`);
	const secondWorkflow = path.join(nodesDir, 'node_modules', 'n8n-workflow');
	if (existsSync(secondWorkflow))
		throw new Error(`harness: npm installed a second n8n-workflow into ${secondWorkflow}`);
	process.stderr.write(`[e2e] installed the package into ${nodesDir} in ${seconds(started)} s\n`);
	return installed;
}

export interface DeclaredTypes {
	/** Full node type names, e.g. `n8n-nodes-integration-guards.idempotentWrite`. */
	nodes: string[];
	/** Credential type names, e.g. `integrationGuardsRedisApi`. */
	credentials: string[];
}

/**
 * The node and credential type names the installed package declares (package.json
 * `n8n.nodes` / `n8n.credentials`), read by loading each listed file with Node 24 and
 * n8n's own n8n-workflow, the way n8n's loader does.
 */
export async function declaredTypes(
	installedDir: string,
	runtime: Runtime,
): Promise<DeclaredTypes> {
	const script = `
		const path = require('node:path');
		const dir = ${JSON.stringify(installedDir)};
		const pkg = require(path.join(dir, 'package.json'));
		const load = (file) => {
			const exported = require(path.join(dir, file));
			const className = path.basename(file).split('.')[0];
			const Type = exported[className];
			if (typeof Type !== 'function') throw new Error(file + ' does not export a class named ' + className);
			return new Type();
		};
		const nodes = (pkg.n8n?.nodes ?? []).map((file) => {
			const node = load(file);
			const name = node.description?.name ?? node.baseDescription?.name;
			if (!name) throw new Error(file + ': no description.name');
			return pkg.name + '.' + name;
		});
		const credentials = (pkg.n8n?.credentials ?? []).map((file) => {
			const name = load(file).name;
			if (!name) throw new Error(file + ': no name');
			return name;
		});
		process.stdout.write(JSON.stringify({ nodes, credentials }));
	`;
	const result = await runProcess(runtime.nodeBin, ['-e', script], {
		cwd: installedDir,
		// n8n-workflow is a peer: resolve it from n8n's own node_modules, as inside n8n
		env: runtimeEnv(runtime, { NODE_PATH: path.join(runtime.dir, 'node_modules') }),
		timeoutMs: 60_000,
	});
	if (result.code !== 0)
		throw new Error(
			`harness: cannot load the installed package's nodes/credentials:\n${result.stderr}`,
		);
	return JSON.parse(result.stdout) as DeclaredTypes;
}
