import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { expiry, paths } from '../shared';
import { judged, text, type Finding } from './findings';
import type { Settings } from './settings';

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
	const expires = expiry.parseExpiryDate(entry.expiresAt, settings.reminders.timeZone);
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
			: expiry.parseExpiryDate(entry.issuedAt, settings.reminders.timeZone);
	const finding = judged(
		{ ...base, expiresAt: expires, issuedAt: typeof issued === 'number' ? issued : null },
		settings,
		now,
	);
	if (issued !== null && typeof issued !== 'number')
		finding.reason += ` (the issue date ${issued.problem}, so it was left out)`;
	return finding;
}

/** Expiry dates n8n cannot see, given on the node or as input items. */
export function checkRegister(
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
		name: paths.pathReader(field('nameField', 'name')),
		expiresAt: paths.pathReader(field('expiresField', 'expiresAt')),
		issuedAt: paths.pathReader(field('issuedField', 'issuedAt')),
		owner: paths.pathReader(field('ownerField', 'owner')),
		renewalLink: paths.pathReader(field('renewalLinkField', 'renewalLink')),
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
