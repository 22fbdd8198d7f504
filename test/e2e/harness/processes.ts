// Child processes of the e2e harness: run to completion, or started detached and tracked so
// none outlives the test process; polling, and a cross-process lock.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** How long a stopping n8n gets after SIGTERM before SIGKILL. */
export const STOP_TIMEOUT_MS = 20_000;

export const running = new Set<ChildProcess>();

/**
 * Signals the process group led by `child` (spawned detached): n8n and the task runner it
 * spawned, nothing else. `evenIfExited` reaches group members that outlived the leader;
 * safe because Linux does not reuse a PID while it still names a live process group.
 */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals, evenIfExited = false): void {
	if (child.pid === undefined) return;
	const leaderGone = child.exitCode !== null || child.signalCode !== null;
	if (leaderGone && !evenIfExited) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		if (leaderGone) return;
		try {
			child.kill(signal);
		} catch {
			// already gone
		}
	}
}

// If the test process ends without calling stop() (a crash, Ctrl-C, a runner's SIGTERM),
// do not leave n8n running: it runs detached, so no terminal signal reaches it by itself.
let exitHooksInstalled = false;
export function installExitHooks(): void {
	if (exitHooksInstalled) return;
	exitHooksInstalled = true;
	process.once('exit', () => {
		for (const child of running) killGroup(child, 'SIGKILL', true);
	});
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		process.once(signal, () => {
			for (const child of running) killGroup(child, 'SIGKILL');
			process.kill(process.pid, signal);
		});
	}
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

export function seconds(since: number): string {
	return ((Date.now() - since) / 1000).toFixed(1);
}

/** Polls `check` until it returns true; throws after `timeoutMs`. */
export async function waitUntil(
	check: () => Promise<boolean>,
	timeoutMs: number,
	what: string,
	intervalMs = 250,
): Promise<void> {
	const deadline = Date.now() + Math.max(0, timeoutMs);
	for (;;) {
		if (await check()) return;
		if (Date.now() >= deadline)
			throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
		await sleep(intervalMs);
	}
}

export interface ProcessResult {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
}

/** Runs a command to completion with a time limit; kills it (by its PID) when the limit passes. */
export function runProcess(
	command: string,
	args: string[],
	options: {
		cwd: string;
		env?: NodeJS.ProcessEnv;
		timeoutMs: number;
		echoStderr?: boolean;
		track?: Set<ChildProcess>;
	},
): Promise<ProcessResult> {
	return new Promise((resolve) => {
		installExitHooks();
		const child = spawn(command, args, {
			cwd: options.cwd,
			env: options.env ?? process.env,
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true,
		});
		options.track?.add(child);
		running.add(child);
		let stdout = '';
		let stderr = '';
		child.stdout?.on('data', (chunk: Buffer) => {
			stdout += chunk.toString();
		});
		child.stderr?.on('data', (chunk: Buffer) => {
			const text = chunk.toString();
			stderr += text;
			if (options.echoStderr) process.stderr.write(text);
		});
		const timer = setTimeout(() => {
			stderr += `\n[harness] ${command} ${args.join(' ')} killed after ${options.timeoutMs / 1000} s\n`;
			killGroup(child, 'SIGKILL');
		}, options.timeoutMs);
		child.on('error', (error) => {
			stderr += `\n[harness] could not start ${command}: ${error.message}\n`;
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			options.track?.delete(child);
			running.delete(child);
			resolve({ code, signal, stdout, stderr });
		});
	});
}

/** A cross-process lock (an atomic mkdir), bounded in time, stale locks of dead processes removed. */
export async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
	mkdirSync(path.dirname(lockDir), { recursive: true });
	const deadline = Date.now() + 15 * 60 * 1000;
	for (;;) {
		try {
			mkdirSync(lockDir);
			writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			let holder = NaN;
			try {
				holder = Number(readFileSync(path.join(lockDir, 'pid'), 'utf8'));
			} catch {
				// being written right now
			}
			if (Number.isInteger(holder) && !isAlive(holder)) {
				rmSync(lockDir, { recursive: true, force: true });
				continue;
			}
			if (Date.now() > deadline)
				throw new Error(`harness: lock ${lockDir} still held after 15 minutes`);
			await sleep(500);
		}
	}
	try {
		return await fn();
	} finally {
		rmSync(lockDir, { recursive: true, force: true });
	}
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}
