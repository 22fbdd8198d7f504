import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	NodeExecutionHint,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type {
	CalendarEvent,
	ExpiryPolicy,
	ExpiryStatus,
	Reminder,
	ResolvedReminderPolicy,
	Weekday,
} from '../shared';
import {
	DAY_MS,
	DEFAULT_ALERT_WINDOW_MS,
	alertKey,
	daysBetween,
	decideAlert,
	decodeJwtDates,
	evaluateExpiry,
	expiryFromHeaders,
	ExpiryPolicyError,
	localDate,
	parseExpiryDate,
	parseFieldList,
	pathReader,
	planReminder,
	ReminderPolicyError,
	resolveExpiryPolicy,
	resolveReminderPolicy,
	resolveScope,
	rotationFacts,
	routeFor,
	stableHash,
	storeFailure,
	storeForNode,
	updateRecords,
	worseStatus,
	writeCalendar,
} from '../shared';
import { EXPIRY_STORES } from './description';
import { listCredentials, testCredentials } from './n8nApi';
import { probeCertificate } from './tlsProbe';

type Source = 'n8nCredentials' | 'register' | 'tls' | 'tokens';
const ROUTE_INDEX = { ok: 0, attention: 1, expiredOrFailing: 2 } as const;
const MAX_TLS_ENDPOINTS = 200;
const TLS_CONCURRENCY = 8;

/** One checked credential, before it becomes an output item. */
interface Finding {
	/** Identity across runs: alert memory and the calendar UID hang on it. */
	key: string;
	/** The input item it pairs with. */
	pairWith: number;
	name: string;
	source: 'n8n' | 'register' | 'tls' | 'token';
	status: ExpiryStatus;
	reason: string;
	expiresAt: number | null;
	issuedAt: number | null;
	owner: string | null;
	renewalLink: string | null;
	details: IDataObject;
}

interface Settings {
	sources: Set<Source>;
	policy: ExpiryPolicy;
	reminders: ResolvedReminderPolicy;
	alertMemory: boolean;
	alertWindowMs: number;
	attachCalendar: boolean;
	calendarProperty: string;
	tlsTimeoutMs: number;
	untrustedFails: boolean;
	expiryHeaders: string[];
}

export async function executeCredentialExpiryCheck(
	context: IExecuteFunctions,
): Promise<INodeExecutionData[][]> {
	const settings = readSettings(context);
	const items = context.getInputData();
	const now = Date.now();
	const hints: NodeExecutionHint[] = [];
	const findings: Finding[] = [];

	if (settings.sources.has('n8nCredentials'))
		findings.push(...(await checkN8nCredentials(context, settings, now)));
	if (settings.sources.has('register'))
		findings.push(...checkRegister(context, settings, items, now));
	if (settings.sources.has('tls')) findings.push(...(await checkTls(context, settings, now)));
	if (settings.sources.has('tokens')) findings.push(...checkTokens(context, settings, items, now));

	const alerts = await rememberAlerts(context, settings, findings, now);
	const outputs: INodeExecutionData[][] = [[], [], []];
	const today = localDate(now, settings.reminders);
	const events: CalendarEvent[] = [];
	findings.forEach((finding, index) => {
		const reminder =
			finding.expiresAt !== null ? planReminder(finding.expiresAt, settings.reminders) : null;
		const json = toJson(finding, reminder, now, today, alerts[index]);
		outputs[ROUTE_INDEX[routeFor(finding.status)]].push({
			json,
			pairedItem: { item: finding.pairWith },
		});
		if (settings.attachCalendar && reminder) events.push(calendarEvent(finding, reminder));
	});

	if (settings.attachCalendar && findings.length > 0) {
		const ics = writeCalendar(events, { now, name: 'Credential renewals' });
		const binary = await context.helpers.prepareBinaryData(
			Buffer.from(ics, 'utf8'),
			'credential-renewals.ics',
			'text/calendar',
		);
		for (const output of outputs)
			for (const item of output) item.binary = { [settings.calendarProperty]: binary };
	}
	const unknown = findings.filter((finding) => finding.status === 'unknown').length;
	if (unknown > 0)
		hints.push({
			message: `${unknown} credential(s) could not be checked: see "reason" on the Attention output.`,
			location: 'outputPane',
		});
	if (hints.length > 0) context.addExecutionHints(...hints);
	return outputs;
}

/* --------------------------------------------------------------- Settings */

function readSettings(context: IExecuteFunctions): Settings {
	const node = context.getNode();
	const option = <Value>(name: string, fallback: Value) =>
		context.getNodeParameter(`options.${name}`, 0, fallback) as Value;
	const sources = new Set(context.getNodeParameter('sources', 0, []) as Source[]);
	if (sources.size === 0) {
		throw new NodeOperationError(node, 'No source chosen', {
			description: 'Choose at least one source in Sources, e.g. Expiry Register.',
		});
	}
	let policy: ExpiryPolicy;
	try {
		policy = resolveExpiryPolicy({
			warningDays: Number(option('warningDays', 14)),
			criticalDays: Number(option('criticalDays', 3)),
			lifetimeShare: Number(option('lifetimeSharePercent', 67)) / 100,
		});
	} catch (error) {
		if (!(error instanceof ExpiryPolicyError)) throw new NodeOperationError(node, error as Error);
		const label = {
			warningDays: 'Warning Within (Days)',
			criticalDays: 'Critical Within (Days)',
			lifetimeShare: 'Lifetime Share (%)',
		}[error.option];
		throw new NodeOperationError(node, `${label} ${error.problem}`, {
			description: 'Change the option in Options.',
		});
	}
	let reminders: ResolvedReminderPolicy;
	const zoneOption = String(option('timeZone', '')).trim();
	try {
		reminders = resolveReminderPolicy({
			leadDays: Number(option('leadDays', 7)),
			workingDays: (option<unknown[]>('workingDays', [1, 2, 3, 4, 5]) ?? []).map(
				Number,
			) as Weekday[],
			timeZone: zoneOption !== '' ? zoneOption : context.getTimezone(),
			remindAtHour: Number(option('remindAtHour', 9)),
		});
	} catch (error) {
		if (!(error instanceof ReminderPolicyError)) throw new NodeOperationError(node, error as Error);
		const label = {
			leadDays: 'Reminder Lead Time (Days)',
			workingDays: 'Working Days',
			timeZone: 'Time Zone',
			remindAtHour: 'Remind At (Hour)',
		}[error.option];
		throw new NodeOperationError(node, `${label} ${error.problem}`, {
			description: 'Change the option in Options.',
		});
	}
	const alertWindowHours = Number(option('alertWindowHours', 24));
	if (!Number.isFinite(alertWindowHours) || alertWindowHours <= 0) {
		throw new NodeOperationError(
			node,
			`Alert Window (Hours) must be more than 0, not ${alertWindowHours}`,
		);
	}
	const tlsTimeoutSeconds = Number(option('tlsTimeoutSeconds', 10));
	if (!Number.isFinite(tlsTimeoutSeconds) || tlsTimeoutSeconds <= 0 || tlsTimeoutSeconds > 120) {
		throw new NodeOperationError(
			node,
			`TLS Timeout (Seconds) must be from 1 to 120, not ${tlsTimeoutSeconds}`,
		);
	}
	return {
		sources,
		policy,
		reminders,
		alertMemory: context.getNodeParameter('alertMemory', 0, true) as boolean,
		alertWindowMs: Math.round(alertWindowHours * 3_600_000) || DEFAULT_ALERT_WINDOW_MS,
		attachCalendar: option<boolean>('attachCalendar', false) === true,
		calendarProperty: String(option('calendarProperty', 'calendar')).trim() || 'calendar',
		tlsTimeoutMs: tlsTimeoutSeconds * 1000,
		untrustedFails: option<boolean>('untrustedFails', false) === true,
		expiryHeaders: parseFieldList(
			String(
				option(
					'expiryHeaders',
					'github-authentication-token-expiration, x-api-key-expires, x-api-key-expiration, x-token-expires, x-token-expires-at, x-expires-at, sunset',
				),
			),
		),
	};
}

/* ---------------------------------------------------------------- Sources */

function judged(
	finding: Omit<Finding, 'status' | 'reason'>,
	policy: ExpiryPolicy,
	now: number,
): Finding {
	const { status, reason } = evaluateExpiry(
		{ expiresAt: finding.expiresAt, issuedAt: finding.issuedAt },
		policy,
		now,
	);
	return { ...finding, status, reason };
}

async function checkN8nCredentials(
	context: IExecuteFunctions,
	settings: Settings,
	now: number,
): Promise<Finding[]> {
	const testLive = context.getNodeParameter('testCredentials', 0, true) as boolean;
	const rotationDays = Number(context.getNodeParameter('rotationDays', 0, 0));
	if (!Number.isFinite(rotationDays) || rotationDays < 0) {
		throw new NodeOperationError(
			context.getNode(),
			`Rotate After (Days) must be 0 or more, not ${rotationDays}`,
		);
	}
	const onlyTypes = new Set(
		parseFieldList(String(context.getNodeParameter('credentialTypes', 0, ''))),
	);
	const listing = await listCredentials(context);
	const keyFindings: Finding[] = [];
	if (listing.apiKey && listing.apiKey.expiresAt !== null) {
		// The key this node uses expires too: when it does, this check goes blind.
		keyFindings.push(
			judged(
				{
					key: `n8n-api-key:${listing.baseUrl}`,
					pairWith: 0,
					name: 'n8n API key (this check)',
					source: 'n8n',
					expiresAt: listing.apiKey.expiresAt,
					issuedAt: listing.apiKey.issuedAt,
					owner: null,
					renewalLink: `${listing.baseUrl}/settings/api`,
					details: { instance: listing.baseUrl },
				},
				settings.policy,
				now,
			),
		);
	}
	if (!listing.ok) {
		return [
			...keyFindings,
			{
				key: `n8n-api:${listing.baseUrl}`,
				pairWith: 0,
				name: 'n8n API',
				source: 'n8n',
				status: listing.status,
				reason: listing.reason,
				expiresAt: null,
				issuedAt: null,
				owner: null,
				renewalLink: listing.baseUrl ? `${listing.baseUrl}/settings/api` : null,
				details: { instance: listing.baseUrl },
			},
		];
	}
	if (listing.truncated) {
		// The rest were never checked: say so on Attention rather than report a clean bill.
		keyFindings.push({
			key: `n8n-api-listing:${listing.baseUrl}`,
			pairWith: 0,
			name: 'n8n credentials not listed',
			source: 'n8n',
			status: 'unknown',
			reason: `This n8n has more than ${listing.credentials.length} credentials, the most this node lists in one run: the rest were not checked.`,
			expiresAt: null,
			issuedAt: null,
			owner: null,
			renewalLink: null,
			details: { instance: listing.baseUrl, listed: listing.credentials.length },
		});
	}
	const credentials = listing.credentials.filter(
		(credential) => onlyTypes.size === 0 || onlyTypes.has(credential.type),
	);
	const tests = testLive
		? await testCredentials(
				context,
				listing.baseUrl,
				credentials.map((credential) => credential.id),
			)
		: new Map();
	return [
		...keyFindings,
		...credentials.map((credential): Finding => {
			const rotation =
				rotationDays > 0 && credential.updatedAt !== null
					? rotationFacts(credential.updatedAt, rotationDays)
					: null;
			let status: ExpiryStatus = 'ok';
			const reasons: string[] = [];
			let expiresAt: number | null = null;
			let issuedAt: number | null = null;
			if (rotation) {
				const evaluation = evaluateExpiry(rotation, settings.policy, now);
				status = evaluation.status;
				expiresAt = rotation.expiresAt;
				issuedAt = rotation.issuedAt;
				reasons.push(
					evaluation.status === 'expired'
						? `Not rotated for ${Math.floor((now - rotation.issuedAt) / DAY_MS)} days (policy: ${rotationDays})`
						: `Rotation due: ${evaluation.reason.replace(/^Expires/, 'due')}`,
				);
			} else if (rotationDays > 0) {
				status = 'unknown';
				reasons.push('n8n did not say when it was last updated');
			}
			const test = tests.get(credential.id);
			if (test?.result === 'failed') {
				status = worseStatus(status, 'failing');
				reasons.unshift(`Test failed: ${test.message}`);
			} else if (test?.result === 'passed') {
				reasons.unshift('Test passed');
			} else if (test?.result === 'unavailable') {
				reasons.unshift(`Not tested: ${test.message}`);
				if (!rotation) status = worseStatus(status, 'unknown');
			} else if (!rotation && rotationDays === 0) {
				status = 'unknown';
				reasons.push('Neither a live test nor a rotation policy is on');
			}
			return {
				key: `n8n:${listing.baseUrl}:${credential.id}`,
				pairWith: 0,
				name: credential.name,
				source: 'n8n' as const,
				status,
				reason: reasons.join('. '),
				expiresAt,
				issuedAt,
				owner: credential.owner,
				renewalLink: `${listing.baseUrl}/home/credentials/${encodeURIComponent(credential.id)}`,
				details: {
					id: credential.id,
					type: credential.type,
					createdAt: iso(credential.createdAt),
					updatedAt: iso(credential.updatedAt),
					daysSinceUpdate:
						credential.updatedAt === null
							? null
							: Math.floor((now - credential.updatedAt) / DAY_MS),
					test: test ? test.result : 'not run',
					...(test && test.result !== 'passed' ? { testMessage: test.message } : {}),
				},
			};
		}),
	];
}

function text(value: unknown): string | null {
	if (typeof value === 'string') return value.trim() === '' ? null : value.trim().slice(0, 2000);
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return null;
}

function registerFinding(
	entry: {
		name: unknown;
		expiresAt: unknown;
		issuedAt: unknown;
		owner: unknown;
		renewalLink: unknown;
	},
	pairWith: number,
	label: string,
	settings: Settings,
	now: number,
): Finding {
	const name = text(entry.name) ?? label;
	const base = {
		key: `register:${name}`,
		pairWith,
		name,
		source: 'register' as const,
		owner: text(entry.owner),
		renewalLink: text(entry.renewalLink),
		issuedAt: null,
		details: {},
	};
	const expires = parseExpiryDate(entry.expiresAt, settings.reminders.timeZone);
	if (typeof expires !== 'number') {
		return {
			...base,
			expiresAt: null,
			status: 'unknown',
			reason: `The expiry date ${expires.problem}`,
		};
	}
	const issued =
		entry.issuedAt === undefined || entry.issuedAt === null || entry.issuedAt === ''
			? null
			: parseExpiryDate(entry.issuedAt, settings.reminders.timeZone);
	const finding = judged(
		{ ...base, expiresAt: expires, issuedAt: typeof issued === 'number' ? issued : null },
		settings.policy,
		now,
	);
	if (issued !== null && typeof issued !== 'number')
		finding.reason += ` (the issue date ${issued.problem}, so it was left out)`;
	return finding;
}

function checkRegister(
	context: IExecuteFunctions,
	settings: Settings,
	items: INodeExecutionData[],
	now: number,
): Finding[] {
	const fromInput = context.getNodeParameter('registerSource', 0, 'parameter') === 'input';
	if (!fromInput) {
		const entries = (context.getNodeParameter('register.entries', 0, []) as IDataObject[]) ?? [];
		return entries.map((entry, index) =>
			registerFinding(entry as never, 0, `Register entry ${index + 1}`, settings, now),
		);
	}
	const field = (name: string, fallback: string) =>
		String(context.getNodeParameter(name, 0, fallback)).trim() || fallback;
	const read = {
		name: pathReader(field('nameField', 'name')),
		expiresAt: pathReader(field('expiresField', 'expiresAt')),
		issuedAt: pathReader(field('issuedField', 'issuedAt')),
		owner: pathReader(field('ownerField', 'owner')),
		renewalLink: pathReader(field('renewalLinkField', 'renewalLink')),
	};
	return items.map((item, index) =>
		registerFinding(
			{
				name: read.name(item.json),
				expiresAt: read.expiresAt(item.json),
				issuedAt: read.issuedAt(item.json),
				owner: read.owner(item.json),
				renewalLink: read.renewalLink(item.json),
			},
			index,
			`Item ${index + 1}`,
			settings,
			now,
		),
	);
}

async function checkTls(
	context: IExecuteFunctions,
	settings: Settings,
	now: number,
): Promise<Finding[]> {
	const entries = (context.getNodeParameter('endpoints.entries', 0, []) as IDataObject[]) ?? [];
	if (entries.length > MAX_TLS_ENDPOINTS) {
		throw new NodeOperationError(context.getNode(), `Too many endpoints: ${entries.length}`, {
			description: `Check at most ${MAX_TLS_ENDPOINTS} endpoints per node.`,
		});
	}
	const endpoints = entries.map((entry, index) => {
		const host = String(entry.host ?? '').trim();
		const port = Number(entry.port ?? 443);
		if (host === '' || /[\s/]/.test(host) || !Number.isInteger(port) || port < 1 || port > 65535) {
			throw new NodeOperationError(
				context.getNode(),
				`Endpoint ${index + 1} is not a host and port: "${host}:${String(entry.port)}"`,
				{
					description:
						'Give a host name or IP address without a scheme or path (e.g. api.example.com) and a port from 1 to 65535.',
				},
			);
		}
		return {
			host,
			port,
			serverName: String(entry.serverName ?? '').trim(),
			owner: text(entry.owner),
			renewalLink: text(entry.renewalLink),
		};
	});
	const findings: Finding[] = new Array(endpoints.length);
	let next = 0;
	const worker = async () => {
		while (next < endpoints.length) {
			const index = next++;
			const endpoint = endpoints[index];
			const name = `${endpoint.serverName || endpoint.host}:${endpoint.port}`;
			const base = {
				key: `tls:${endpoint.host}:${endpoint.port}:${endpoint.serverName}`,
				pairWith: 0,
				name,
				source: 'tls' as const,
				owner: endpoint.owner,
				renewalLink: endpoint.renewalLink,
			};
			const probe = await probeCertificate(
				endpoint.host,
				endpoint.port,
				endpoint.serverName,
				settings.tlsTimeoutMs,
			);
			if (!probe.ok) {
				findings[index] = {
					...base,
					status: probe.stage === 'handshake' ? 'failing' : 'unknown',
					reason:
						probe.stage === 'handshake'
							? `TLS handshake failed: ${probe.cause}`
							: `Could not connect: ${probe.cause}`,
					expiresAt: null,
					issuedAt: null,
					details: {
						host: endpoint.host,
						port: endpoint.port,
						serverName: endpoint.serverName || null,
					},
				};
				continue;
			}
			const finding = judged(
				{ ...base, expiresAt: probe.validTo, issuedAt: probe.validFrom, details: {} },
				settings.policy,
				now,
			);
			if (!probe.trusted) {
				finding.reason += `. The certificate does not verify: ${probe.trustError}`;
				if (settings.untrustedFails && finding.status !== 'expired') finding.status = 'failing';
			}
			if (probe.validFrom > now && finding.status !== 'expired') {
				finding.status = worseStatus(finding.status, 'failing');
				finding.reason += '. The certificate is not valid yet';
			}
			finding.details = {
				host: endpoint.host,
				port: endpoint.port,
				serverName: endpoint.serverName || null,
				subject: probe.subject,
				issuer: probe.issuer,
				altNames: probe.altNames,
				validFrom: iso(probe.validFrom),
				validTo: iso(probe.validTo),
				trusted: probe.trusted,
				trustError: probe.trustError,
				fingerprint256: probe.fingerprint256,
				serialNumber: probe.serialNumber,
			};
			findings[index] = finding;
		}
	};
	await Promise.all(Array.from({ length: Math.min(TLS_CONCURRENCY, endpoints.length) }, worker));
	return findings;
}

function checkTokens(
	context: IExecuteFunctions,
	settings: Settings,
	items: INodeExecutionData[],
	now: number,
): Finding[] {
	const tokenField = String(context.getNodeParameter('jwtField', 0, 'token')).trim();
	const headersField = String(context.getNodeParameter('headersField', 0, 'headers')).trim();
	const nameField = String(context.getNodeParameter('credentialNameField', 0, 'name')).trim();
	const none = () => undefined;
	const readToken = tokenField === '' ? none : pathReader(tokenField);
	const readHeaders = headersField === '' ? none : pathReader(headersField);
	const readName = nameField === '' ? none : pathReader(nameField);
	return items.map((item, index) => {
		const token = readToken(item.json);
		const headers = readHeaders(item.json);
		// The key must not let the token be recovered: a name, else a hash of the token.
		const name = text(readName(item.json));
		const identity =
			name ??
			(typeof token === 'string' ? `token ${stableHash(token).slice(0, 12)}` : `Item ${index + 1}`);
		const base = {
			key: `token:${identity}`,
			pairWith: index,
			name: identity,
			source: 'token' as const,
			owner: null,
			renewalLink: null,
		};
		const problems: string[] = [];
		const details: IDataObject = {};
		let expiresAt: number | null = null;
		let issuedAt: number | null = null;
		if (token !== undefined && token !== null && token !== '') {
			const jwt = decodeJwtDates(token);
			if (jwt.ok) {
				Object.assign(details, {
					alg: jwt.alg,
					kid: jwt.kid,
					issuer: jwt.iss,
					subject: jwt.sub,
					audience: jwt.aud,
					notBefore: iso(jwt.notBefore),
				});
				if (jwt.expiresAt !== null) {
					expiresAt = jwt.expiresAt;
					issuedAt = jwt.issuedAt;
					details.expirySource = 'jwt exp';
				} else problems.push('The JWT has no exp claim');
			} else problems.push(jwt.reason);
		}
		if (headers !== undefined && headers !== null) {
			const { found, problems: headerProblems } = expiryFromHeaders(
				headers,
				settings.expiryHeaders,
				'UTC',
			);
			problems.push(...headerProblems);
			if (found && (expiresAt === null || found.expiresAt < expiresAt)) {
				expiresAt = found.expiresAt;
				issuedAt = null;
				details.expirySource = `header ${found.header}`;
			}
		}
		if (expiresAt === null) {
			const reason =
				problems.length > 0
					? problems.join('. ')
					: `No token in "${tokenField}" and no expiry header in "${headersField}"`;
			return {
				...base,
				status: 'unknown' as const,
				reason,
				expiresAt: null,
				issuedAt: null,
				details,
			};
		}
		const finding = judged({ ...base, expiresAt, issuedAt, details }, settings.policy, now);
		if (problems.length > 0) finding.reason += `. Also: ${problems.join('. ')}`;
		return finding;
	});
}

/* ------------------------------------------------------------ Alert memory */

interface AlertOutcome {
	alert: boolean;
	lastAlertAt: number | null;
}

/** One optimistic batch against the store for every finding that is not ok. */
async function rememberAlerts(
	context: IExecuteFunctions,
	settings: Settings,
	findings: Finding[],
	now: number,
): Promise<AlertOutcome[]> {
	const outcomes: AlertOutcome[] = findings.map((finding) => ({
		alert: finding.status !== 'ok',
		lastAlertAt: finding.status === 'ok' ? null : now,
	}));
	const pending = findings
		.map((finding, index) => ({ finding, index }))
		.filter(({ finding }) => finding.status !== 'ok');
	if (!settings.alertMemory || pending.length === 0) return outcomes;
	try {
		const store = await storeForNode(context, [...EXPIRY_STORES]);
		const keys = pending.map(({ finding }) => alertKey(finding.key, finding.status));
		const decided = await updateRecords(
			store,
			resolveScope(context, 'expiry'),
			keys,
			(current, storeNow, position) => {
				const decision = decideAlert(
					current?.value,
					pending[position].finding.status,
					storeNow,
					settings.alertWindowMs,
				);
				return {
					outcome: { alert: decision.alert, lastAlertAt: decision.lastAlertAt },
					write: decision.write
						? { value: decision.write, ttlMs: settings.alertWindowMs }
						: undefined,
				};
			},
		);
		decided.forEach((outcome, position) => {
			outcomes[pending[position].index] = outcome;
		});
	} catch (error) {
		throw storeFailure(context, error);
	}
	return outcomes;
}

/* ----------------------------------------------------------------- Output */

let lastNow = { ms: Number.NaN, text: '' };
/** The same instant for every item of a run: formatted once. */
function nowIso(now: number): string {
	if (lastNow.ms !== now) lastNow = { ms: now, text: new Date(now).toISOString() };
	return lastNow.text;
}

function iso(ms: number | null): string | null {
	return ms === null || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

function toJson(
	finding: Finding,
	reminder: Reminder | null,
	now: number,
	today: string,
	alert: AlertOutcome,
): IDataObject {
	return {
		name: finding.name,
		source: finding.source,
		status: finding.status,
		daysLeft: finding.expiresAt === null ? null : daysBetween(now, finding.expiresAt),
		expiresAt: iso(finding.expiresAt),
		issuedAt: iso(finding.issuedAt),
		renewBy: reminder?.renewBy ?? null,
		remindOn: reminder?.remindOn ?? null,
		reminderDue: reminder ? reminder.remindOn <= today : false,
		owner: finding.owner,
		renewalLink: finding.renewalLink,
		reason: finding.reason,
		alert: alert.alert,
		lastAlertAt: alert.lastAlertAt === now ? nowIso(now) : iso(alert.lastAlertAt),
		checkedAt: nowIso(now),
		details: finding.details,
	};
}

function calendarEvent(finding: Finding, reminder: Reminder): CalendarEvent {
	const lines = [
		`Expires: ${iso(finding.expiresAt)}`,
		`Status when checked: ${finding.status} (${finding.reason})`,
		finding.owner ? `Owner: ${finding.owner}` : '',
		finding.renewalLink ? `Renew at: ${finding.renewalLink}` : '',
	].filter((line) => line !== '');
	return {
		uid: `${stableHash(finding.key).slice(0, 32)}@credential-expiry-check.integration-guards`,
		date: reminder.renewBy,
		summary: `Renew ${finding.name}`,
		description: lines.join('\n'),
		url:
			finding.renewalLink && /^https?:\/\//i.test(finding.renewalLink) ? finding.renewalLink : null,
		alarms: [
			{ at: reminder.remindAt, description: `Renew ${finding.name} by ${reminder.renewBy}` },
		],
	};
}
