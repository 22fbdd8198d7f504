// One started n8n seen through its REST API and webhooks, as the editor and a caller use
// them: the owner's session, workflows imported, activated and run, executions read back.
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { IDataObject, IRunExecutionData } from 'n8n-workflow';

import { freeLoopbackPort } from '../../support/services';
import {
	type Execution,
	type ImportedWorkflow,
	lastJsonObject,
	type LoadedNodeType,
	toExecution,
	type WorkflowJson,
} from './executions';
import { runProcess, sleep, waitUntil } from './processes';
import type { Runtime } from './runtime';

export const EXECUTION_TIMEOUT_MS = 120_000;
const BROWSER_ID = 'integration-guards-e2e';

export const OWNER = {
	email: 'e2e-owner@example.com',
	firstName: 'E2E',
	lastName: 'Owner',
	password: 'E2e-Owner-Passw0rd',
};

interface PublicationStatus {
	status: 'in_progress' | 'not_published' | 'published' | 'partial' | 'failed';
	liveVersionId: string | null;
	pendingVersionId: string | null;
	triggers: Array<{ nodeId: string; status: string; errorMessage?: string | null }>;
}

export interface WebhookResult {
	status: number;
	headers: Headers;
	/** Parsed JSON when the response is JSON, else the text. */
	body: unknown;
	/** The execution the call started (looked up after the response). */
	execution?: Execution;
}

export interface RestClient {
	/** A request to n8n carrying the owner's session once logged in. */
	request(
		method: string,
		urlPath: string,
		body?: unknown,
		headers?: Record<string, string>,
	): Promise<Response>;
	/** An authenticated request to n8n's REST API (`/rest/...`); returns the `data` of the answer. */
	api<T = unknown>(method: string, urlPath: string, body?: unknown): Promise<T>;
	/** Sets up the owner on a fresh database, logs in on a reused one; later requests carry its cookie. */
	logInOwner(): Promise<void>;
}

export function restClient(baseUrl: string): RestClient {
	let cookie = '';

	const request = async (
		method: string,
		urlPath: string,
		body?: unknown,
		headers: Record<string, string> = {},
	): Promise<Response> => {
		const init: RequestInit = {
			method,
			headers: {
				'browser-id': BROWSER_ID,
				...(cookie ? { cookie } : {}),
				...(body === undefined ? {} : { 'content-type': 'application/json' }),
				...headers,
			},
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(60_000),
		};
		return await fetch(baseUrl + urlPath, init);
	};

	const api = async <T = unknown>(method: string, urlPath: string, body?: unknown): Promise<T> => {
		let response: Response;
		let text: string;
		for (let attempt = 1; ; attempt++) {
			try {
				response = await request(method, urlPath, body);
				text = await response.text();
				break;
			} catch (error) {
				// A busy n8n sometimes resets a kept-alive connection: a read may be asked again.
				const reset =
					error instanceof Error &&
					/ECONNRESET|socket hang up|other side closed/.test(
						`${error.message} ${String((error as { cause?: unknown }).cause)}`,
					);
				if (method !== 'GET' || !reset || attempt >= 3) throw error;
				await sleep(500 * attempt);
			}
		}
		if (!response.ok)
			throw new Error(`n8n ${method} ${urlPath} → ${response.status}: ${text.slice(0, 2000)}`);
		const parsed = text ? (JSON.parse(text) as { data?: T }) : {};
		return (parsed && typeof parsed === 'object' && 'data' in parsed ? parsed.data : parsed) as T;
	};

	const logInOwner = async (): Promise<void> => {
		const setup = await request('POST', '/rest/owner/setup', OWNER);
		let authResponse = setup;
		if (!setup.ok) {
			await setup.arrayBuffer();
			authResponse = await request('POST', '/rest/login', {
				emailOrLdapLoginId: OWNER.email,
				password: OWNER.password,
			});
		}
		const authText = await authResponse.text();
		if (!authResponse.ok)
			throw new Error(
				`cannot set up or log in the owner: ${authResponse.status} ${authText.slice(0, 500)}`,
			);
		const authCookie = authResponse.headers
			.getSetCookie()
			.find((value) => value.startsWith('n8n-auth='));
		if (!authCookie) throw new Error('n8n set no n8n-auth cookie on owner setup/login');
		cookie = authCookie.split(';')[0];
	};

	return { request, api, logInOwner };
}

/** What a test does with a started n8n: workflows in, executions out, credentials. */
export interface WorkflowClient {
	importWorkflow(json: WorkflowJson): Promise<ImportedWorkflow>;
	activate(id: string): Promise<void>;
	deactivate(id: string): Promise<void>;
	runWebhook(
		webhookPath: string,
		body?: unknown,
		options?: { method?: string; headers?: Record<string, string>; test?: boolean },
	): Promise<WebhookResult>;
	/**
	 * Runs a workflow from its first trigger and waits for the finished execution.
	 * via 'rest' (default): POST /rest/workflows/:id/run (a manual run, as the editor's button).
	 * via 'cli': `n8n execute --id --rawOutput` against the same user folder and database.
	 */
	executeById(
		id: string,
		options?: { via?: 'rest' | 'cli'; triggerNode?: string },
	): Promise<Execution>;
	getExecution(id: string): Promise<Execution>;
	waitForExecution(id: string, timeoutMs?: number): Promise<Execution>;
	createCredential(
		type: string,
		name: string,
		data: IDataObject,
	): Promise<{ id: string; name: string; type: string }>;
}

export interface ClientSetup {
	baseUrl: string;
	runtime: Runtime;
	userFolder: string;
	/** n8n's environment: `n8n execute` runs against the same user folder and database. */
	env: NodeJS.ProcessEnv;
	/** Children started for this instance (the CLI), killed with it. */
	extraChildren: Set<ChildProcess>;
	/** The node types n8n loaded, to name each node's outputs. */
	nodeTypes: LoadedNodeType[];
	logTail(lines?: number): string;
}

export function workflowClient(setup: ClientSetup, rest: RestClient): WorkflowClient {
	const { baseUrl, runtime, userFolder, env, extraChildren, nodeTypes, logTail } = setup;
	const { request, api } = rest;

	const decode: (text: string) => IRunExecutionData = createRequire(
		path.join(runtime.n8nPackageDir, 'package.json'),
	)('flatted').parse;

	const getExecution = async (id: string): Promise<Execution> => {
		const raw = await api<IDataObject>('GET', `/rest/executions/${id}`);
		const data =
			typeof raw.data === 'string' ? decode(raw.data) : (raw.data as unknown as IRunExecutionData);
		return toExecution(raw, data, nodeTypes);
	};

	const waitForExecution = async (
		id: string,
		timeoutMs = EXECUTION_TIMEOUT_MS,
	): Promise<Execution> => {
		let last: IDataObject | undefined;
		await waitUntil(
			async () => {
				last = await api<IDataObject>('GET', `/rest/executions/${id}`);
				return (
					!['new', 'running', 'waiting', 'unknown'].includes(String(last.status)) &&
					last.stoppedAt != null
				);
			},
			timeoutMs,
			`execution ${id} to finish`,
			200,
		);
		return await getExecution(id);
	};

	const latestExecutionId = async (): Promise<number> => {
		const list = await api<{ results: Array<{ id: string }> }>('GET', '/rest/executions?limit=1');
		return list.results.length ? Number(list.results[0].id) : 0;
	};

	const importWorkflow = async (json: WorkflowJson): Promise<ImportedWorkflow> => {
		const payload = {
			name: json.name ?? 'e2e workflow',
			nodes: json.nodes,
			connections: json.connections,
			settings: json.settings ?? { executionOrder: 'v1' },
			pinData: json.pinData ?? {},
		};
		// No `id`: n8n assigns one, so the same JSON can be imported twice in one run.
		return await api<ImportedWorkflow>('POST', '/rest/workflows', payload);
	};

	const activate = async (id: string): Promise<void> => {
		const workflow = await api<ImportedWorkflow>('GET', `/rest/workflows/${id}`);
		const result = await api<ImportedWorkflow>('POST', `/rest/workflows/${id}/activate`, {
			versionId: workflow.versionId,
		});
		if (!result.active) throw new Error(`workflow ${id} is not active after activation`);
		// n8n 2.x publishes through an outbox: the call returns before the triggers and
		// webhooks are registered. Wait until every trigger of this version is live.
		let status: PublicationStatus | undefined;
		try {
			await waitUntil(
				async () => {
					const response = await request('GET', `/rest/workflows/${id}/publication-status`);
					if (response.status === 404) {
						await response.arrayBuffer();
						status = undefined;
						return true; // publication service off: activation was synchronous
					}
					if (!response.ok)
						throw new Error(`publication-status → ${response.status}: ${await response.text()}`);
					status = ((await response.json()) as { data: PublicationStatus }).data;
					if (status.status === 'failed' || status.status === 'partial') return true;
					return status.status === 'published' && status.liveVersionId === workflow.versionId;
				},
				60_000,
				`workflow ${id} to be published`,
				100,
			);
		} catch (error) {
			throw new Error(
				`${(error as Error).message}; last status: ${JSON.stringify(status)}\nn8n log:\n${logTail(40)}`,
			);
		}
		if (status && status.status !== 'published') {
			throw new Error(
				`publishing workflow ${id} ${status.status}: ${JSON.stringify(status.triggers)}\nn8n log:\n${logTail(40)}`,
			);
		}
	};

	const deactivate = async (id: string): Promise<void> => {
		await api('POST', `/rest/workflows/${id}/deactivate`, {});
	};

	const runWebhook: WorkflowClient['runWebhook'] = async (
		webhookPath,
		body,
		webhookOptions = {},
	) => {
		const before = await latestExecutionId();
		const method = webhookOptions.method ?? 'POST';
		const response = await fetch(
			`${baseUrl}/${webhookOptions.test ? 'webhook-test' : 'webhook'}/${webhookPath.replace(/^\//, '')}`,
			{
				method,
				headers: {
					...(body === undefined ? {} : { 'content-type': 'application/json' }),
					...webhookOptions.headers,
				},
				body: body === undefined || method === 'GET' ? undefined : JSON.stringify(body),
				signal: AbortSignal.timeout(EXECUTION_TIMEOUT_MS),
			},
		);
		const text = await response.text();
		let parsed: unknown = text;
		if ((response.headers.get('content-type') ?? '').includes('json') && text) {
			try {
				parsed = JSON.parse(text);
			} catch {
				parsed = text;
			}
		}
		// The execution is saved around the time the response goes out: wait for it
		// (unless n8n answered that no such webhook is registered).
		let executionId: number | undefined;
		const notRegistered = response.status === 404 && text.includes('is not registered');
		if (!notRegistered) {
			try {
				await waitUntil(
					async () => {
						const latest = await latestExecutionId();
						if (latest > before) executionId = latest;
						return executionId !== undefined;
					},
					15_000,
					`the execution of webhook ${webhookPath}`,
					100,
				);
			} catch {
				executionId = undefined;
			}
		}
		const execution =
			executionId === undefined ? undefined : await waitForExecution(String(executionId));
		return { status: response.status, headers: response.headers, body: parsed, execution };
	};

	const executeViaRest = async (id: string, triggerNode?: string): Promise<Execution> => {
		const workflow = await api<ImportedWorkflow>('GET', `/rest/workflows/${id}`);
		const trigger =
			triggerNode ??
			workflow.nodes.find(
				(node) => /trigger/i.test(node.type) || node.type === 'n8n-nodes-base.start',
			)?.name ??
			workflow.nodes[0]?.name;
		if (!trigger) throw new Error(`workflow ${id} has no nodes`);
		const result = await api<{ executionId?: string; waitingForWebhook?: boolean }>(
			'POST',
			`/rest/workflows/${id}/run`,
			{
				triggerToStartFrom: { name: trigger },
			},
		);
		if (!result.executionId)
			throw new Error(
				`manual run of workflow ${id} started no execution: ${JSON.stringify(result)}`,
			);
		return await waitForExecution(result.executionId);
	};

	const executeViaCli = async (id: string): Promise<Execution> => {
		const before = await latestExecutionId();
		// `n8n execute` starts its own task broker: give it a port of its own.
		const cliBroker = await freeLoopbackPort();
		const result = await runProcess(
			runtime.nodeBin,
			[runtime.n8nBin, 'execute', `--id=${id}`, '--rawOutput'],
			{
				cwd: userFolder,
				env: { ...env, N8N_RUNNERS_BROKER_PORT: String(cliBroker) },
				timeoutMs: EXECUTION_TIMEOUT_MS,
				track: extraChildren,
			},
		);
		const latest = await latestExecutionId();
		const saved = latest > before ? await waitForExecution(String(latest)) : undefined;
		// n8n 2.40.7's CLI sometimes dies with SIGSEGV/SIGABRT while exiting, after the
		// execution finished and was saved: an isolated-vm isolate thread of the expression
		// engine still allocates while the process tears down. The stored execution is then
		// the result; any other failure is a failure.
		const crashedOnExit = result.signal === 'SIGSEGV' || result.signal === 'SIGABRT';
		if (result.code !== 0 && !(crashedOnExit && saved && saved.finished)) {
			throw new Error(
				`n8n execute --id=${id} failed (exit ${result.code ?? result.signal}):\n${(result.stderr + '\n' + result.stdout).slice(-4000)}`,
			);
		}
		if (saved) return saved;
		// Not saved: use what the CLI printed (the run as JSON after the log lines).
		const printed = lastJsonObject(result.stdout);
		if (!printed)
			throw new Error(
				`n8n execute --id=${id} printed no execution:\n${result.stdout.slice(-4000)}`,
			);
		return toExecution(
			{
				id: 'cli',
				status: printed.status,
				finished: printed.finished,
				mode: 'cli',
				workflowId: id,
				workflowData: printed.workflowData,
			},
			printed.data as unknown as IRunExecutionData,
			nodeTypes,
		);
	};

	const createCredential = async (type: string, name: string, data: IDataObject) =>
		await api<{ id: string; name: string; type: string }>('POST', '/rest/credentials', {
			type,
			name,
			data,
		});

	return {
		importWorkflow,
		activate,
		deactivate,
		runWebhook,
		executeById: async (id, executeOptions = {}) =>
			executeOptions.via === 'cli'
				? await executeViaCli(id)
				: await executeViaRest(id, executeOptions.triggerNode),
		getExecution,
		waitForExecution,
		createCredential,
	};
}
