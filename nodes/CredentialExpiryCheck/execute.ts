import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import {
	expiry,
	hash,
	hint,
	OutputRoutes,
	resolveScope,
	storeFailure,
	storeForNode,
	stores,
} from '../shared';
import { EXPIRY_STORES } from './description';
import { iso, type Finding } from './findings';
import { checkN8nCredentials } from './n8nCredentials';
import { OUTPUT_NAMES, ROUTE_OUTPUT } from './outputs';
import { checkRegister } from './register';
import { readSettings, type Settings } from './settings';
import { checkTls } from './tls';
import { checkTokens } from './tokens';

/*
 * Credential Expiry Check, one run: each chosen source makes findings (n8nCredentials.ts,
 * register.ts, tls.ts, tokens.ts), alert memory decides which alert again, and each
 * finding leaves on the output its status routes it to, with the calendar attached.
 */

export async function execute(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const settings = readSettings(context);
	const items = context.getInputData();
	const now = Date.now();
	const findings: Finding[] = [];

	if (settings.sources.has('n8nCredentials'))
		findings.push(...(await checkN8nCredentials(context, settings, now)));
	if (settings.sources.has('register'))
		findings.push(...checkRegister(context, settings, items, now));
	if (settings.sources.has('tls')) findings.push(...(await checkTls(context, settings, now)));
	if (settings.sources.has('tokens')) findings.push(...checkTokens(context, settings, items, now));

	const alerts = await rememberAlerts(context, settings, findings, now);
	const outputs = new OutputRoutes(OUTPUT_NAMES);
	const today = expiry.localDate(now, settings.reminders);
	const events: expiry.CalendarEvent[] = [];
	findings.forEach((finding, index) => {
		const reminder =
			finding.expiresAt !== null
				? expiry.planReminder(finding.expiresAt, settings.reminders)
				: null;
		const json = toJson(finding, reminder, now, today, alerts[index], settings);
		outputs.push(ROUTE_OUTPUT[expiry.routeFor(finding.status)], {
			json,
			pairedItem: { item: finding.pairWith },
		});
		if (settings.attachCalendar && reminder) events.push(calendarEvent(finding, reminder, now));
	});

	if (settings.attachCalendar && findings.length > 0) {
		const ics = expiry.writeCalendar(events, { now, name: 'Credential renewals' });
		const binary = await context.helpers.prepareBinaryData(
			Buffer.from(ics, 'utf8'),
			'credential-renewals.ics',
			'text/calendar',
		);
		for (const output of outputs.buckets)
			for (const item of output) item.binary = { [settings.calendarProperty]: binary };
	}
	const unknown = findings.filter((finding) => finding.status === 'unknown').length;
	if (unknown > 0)
		context.addExecutionHints(
			hint(`${unknown} credential(s) could not be checked: see "reason" on the Attention output.`),
		);
	return outputs.buckets;
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
	if (!settings.alertMemory || findings.length === 0) return outcomes;
	await recordChecked(context, settings, findings, now);
	if (pending.length === 0) return outcomes;
	try {
		const store = await storeForNode(context, [...EXPIRY_STORES]);
		const namespace = resolveScope(context, 'expiry');
		const keys = pending.map(({ finding }) => expiry.alertKey(finding.key, finding.status));
		const decided = await stores.updateRecords(
			store,
			namespace,
			keys,
			(current, storeNow, position) => {
				const decision = expiry.decideAlert(
					current?.value,
					pending[position].finding.status,
					storeNow,
					settings.alertWindowMs,
					alertSubject(pending[position].finding, now, settings),
				);
				return {
					outcome: { alert: decision.alert, lastAlertAt: decision.lastAlertAt },
					write: decision.write ? { value: decision.write, ttlMs: decision.ttlMs } : undefined,
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

/**
 * Every credential checked, for Guards Status's list of what expires next: one batch.
 * Best effort: it decides nothing, so a store that fails here only costs the list a run
 * (a hint says so); the alert memory after it fails closed as ever.
 */
async function recordChecked(
	context: IExecuteFunctions,
	settings: Settings,
	findings: Finding[],
	now: number,
): Promise<void> {
	try {
		const store = await storeForNode(context, [...EXPIRY_STORES]);
		await store.write(
			resolveScope(context, 'expiry'),
			findings.map((finding) => ({
				key: expiry.checkedKey(finding.key),
				value: expiry.checkedMark(finding.status, alertSubject(finding, now, settings), now),
				ttlMs: expiry.CHECKED_TTL_MS,
			})),
		);
	} catch (error) {
		context.addExecutionHints(
			hint(
				`The credentials checked were not recorded for Guards Status: ${(error as Error).message}`,
				'warning',
			),
		);
	}
}

/** What the alert memory keeps about a finding so that Guards Status can name it: nothing secret. */
function alertSubject(finding: Finding, now: number, settings: Settings): expiry.AlertSubject {
	return {
		name: finding.name,
		kind: finding.source,
		expiresAt: finding.expiresAt,
		daysLeft: daysLeft(finding, now, settings),
	};
}

/** Whole calendar days in the node's time zone: the number the reason says. */
function daysLeft(finding: Finding, now: number, settings: Settings): number | null {
	return finding.expiresAt === null
		? null
		: expiry.calendarDaysLeft(now, finding.expiresAt, settings.reminders.zone);
}

/* ----------------------------------------------------------------- Output */

let lastNow = { ms: Number.NaN, text: '' };
/** The same instant for every item of a run: formatted once. */
function nowIso(now: number): string {
	if (lastNow.ms !== now) lastNow = { ms: now, text: new Date(now).toISOString() };
	return lastNow.text;
}

function toJson(
	finding: Finding,
	reminder: expiry.Reminder | null,
	now: number,
	today: string,
	alert: AlertOutcome,
	settings: Settings,
): IDataObject {
	return {
		name: finding.name,
		source: finding.source,
		status: finding.status,
		daysLeft: daysLeft(finding, now, settings),
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

function calendarEvent(
	finding: Finding,
	reminder: expiry.Reminder,
	now: number,
): expiry.CalendarEvent {
	const lines = [
		`Expires: ${iso(finding.expiresAt)}`,
		`Status when checked: ${finding.status} (${finding.reason})`,
		finding.owner ? `Owner: ${finding.owner}` : '',
		finding.renewalLink ? `Renew at: ${finding.renewalLink}` : '',
	].filter((line) => line !== '');
	return {
		uid: `${hash.stableHash(finding.key).slice(0, 32)}@credential-expiry-check.integration-guards`,
		date: reminder.renewBy,
		summary: `Renew ${finding.name}`,
		description: lines.join('\n'),
		url:
			finding.renewalLink && /^https?:\/\//i.test(finding.renewalLink) ? finding.renewalLink : null,
		alarms: [
			// Inside the lead time already: at the file's creation, not on a past day that never fires.
			{
				at: expiry.alarmAt(reminder.remindAt, now),
				description: `Renew ${finding.name} by ${reminder.renewBy}`,
			},
		],
	};
}
