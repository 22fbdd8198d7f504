import type { IExecuteFunctions } from 'n8n-workflow';

import {
	checkNumber,
	expiry,
	fieldNameOption,
	operationError,
	optionsOf,
	paths,
	time,
	withParameterLabels,
} from '../shared';

export type Source = 'n8nCredentials' | 'register' | 'tls' | 'tokens';

/** What the node checks and how, read once per execution. */
export interface Settings {
	sources: Set<Source>;
	policy: expiry.ExpiryPolicy;
	reminders: expiry.ResolvedReminderPolicy;
	alertMemory: boolean;
	alertWindowMs: number;
	attachCalendar: boolean;
	calendarProperty: string;
	tlsTimeoutMs: number;
	untrustedFails: boolean;
	expiryHeaders: string[];
}

/** The parameters of the expiry and reminder policies, for errors that name them. */
const POLICY_LABELS: Record<keyof expiry.ExpiryPolicy | keyof expiry.ReminderPolicy, string> = {
	warningDays: 'Warning Within (Days)',
	criticalDays: 'Critical Within (Days)',
	lifetimeShare: 'Lifetime Share (%)',
	leadDays: 'Reminder Lead Time (Days)',
	workingDays: 'Working Days',
	timeZone: 'Time Zone',
	remindAtHour: 'Remind At (Hour)',
};

/** The node's settings, read once per execution; a bad one fails the node, naming the parameter. */
export function readSettings(context: IExecuteFunctions): Settings {
	const option = optionsOf(context);
	const sources = new Set(context.getNodeParameter('sources', 0, []) as Source[]);
	if (sources.size === 0) {
		throw operationError(context, 'No source chosen', {
			description: 'Choose at least one source in Sources, e.g. Expiry Register.',
		});
	}
	const policy = withParameterLabels(context, POLICY_LABELS, () =>
		expiry.resolveExpiryPolicy({
			warningDays: Number(option('warningDays', 14)),
			criticalDays: Number(option('criticalDays', 3)),
			lifetimeShare: Number(option('lifetimeSharePercent', 67)) / 100,
		}),
	);
	const zoneOption = String(option('timeZone', '')).trim();
	const reminders = withParameterLabels(context, POLICY_LABELS, () =>
		expiry.resolveReminderPolicy({
			leadDays: Number(option('leadDays', 7)),
			workingDays: (option<unknown[]>('workingDays', [1, 2, 3, 4, 5]) ?? []).map(
				Number,
			) as expiry.Weekday[],
			timeZone: zoneOption !== '' ? zoneOption : context.getTimezone(),
			remindAtHour: Number(option('remindAtHour', 9)),
		}),
	);
	const alertWindowHours = checkNumber(
		context,
		Number(option('alertWindowHours', 24)),
		'Alert Window (Hours)',
		{ min: 0, minExclusive: true, unit: 'hours' },
	);
	const tlsTimeoutSeconds = checkNumber(
		context,
		Number(option('tlsTimeoutSeconds', 10)),
		'TLS Timeout (Seconds)',
		{ min: 0, minExclusive: true, max: 120, unit: 'seconds' },
	);
	return {
		sources,
		policy,
		reminders,
		alertMemory: context.getNodeParameter('alertMemory', 0, true) as boolean,
		alertWindowMs: Math.round(alertWindowHours * time.HOUR_MS) || expiry.DEFAULT_ALERT_WINDOW_MS,
		attachCalendar: option<boolean>('attachCalendar', false) === true,
		calendarProperty: fieldNameOption(
			context,
			'options.calendarProperty',
			'Calendar Property',
			'calendar',
		),
		tlsTimeoutMs: tlsTimeoutSeconds * time.SECOND_MS,
		untrustedFails: option<boolean>('untrustedFails', false) === true,
		expiryHeaders: paths.parseFieldList(
			String(
				option(
					'expiryHeaders',
					'github-authentication-token-expiration, x-api-key-expires, x-api-key-expiration, x-token-expires, x-token-expires-at, x-expires-at, sunset',
				),
			),
		),
	};
}
