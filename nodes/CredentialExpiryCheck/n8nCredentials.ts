import type { IExecuteFunctions } from 'n8n-workflow';

import { checkNumber, expiry, paths, time } from '../shared';
import { iso, judged, type Finding } from './findings';
import {
	listCredentials,
	testCredentials,
	type ListedCredential,
	type TestOutcome,
} from './n8nApi';
import type { Settings } from './settings';

/** This n8n's credentials, through its public API: tested live, and checked against a rotation policy. */
export async function checkN8nCredentials(
	context: IExecuteFunctions,
	settings: Settings,
	now: number,
): Promise<Finding[]> {
	const testLive = context.getNodeParameter('testCredentials', 0, true) as boolean;
	const rotationDays = checkNumber(
		context,
		Number(context.getNodeParameter('rotationDays', 0, 0)),
		'Rotate After (Days)',
		{ min: 0, unit: 'days', zero: '0 for no rotation policy' },
	);
	const onlyTypes = new Set(
		paths.parseFieldList(String(context.getNodeParameter('credentialTypes', 0, ''))),
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
				settings,
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
		...credentials.map((credential) =>
			credentialFinding(
				credential,
				tests.get(credential.id),
				listing.baseUrl,
				rotationDays,
				settings,
				now,
			),
		),
	];
}

/** One credential: its live test, and its age against the rotation policy. */
function credentialFinding(
	credential: ListedCredential,
	test: TestOutcome | undefined,
	baseUrl: string,
	rotationDays: number,
	settings: Settings,
	now: number,
): Finding {
	const rotation =
		rotationDays > 0 && credential.updatedAt !== null
			? expiry.rotationFacts(credential.updatedAt, rotationDays)
			: null;
	let status: expiry.ExpiryStatus = 'ok';
	const reasons: string[] = [];
	let expiresAt: number | null = null;
	let issuedAt: number | null = null;
	if (rotation) {
		const evaluation = expiry.evaluateExpiry(
			rotation,
			settings.policy,
			now,
			settings.reminders.zone,
		);
		status = evaluation.status;
		expiresAt = rotation.expiresAt;
		issuedAt = rotation.issuedAt;
		reasons.push(
			evaluation.status === 'expired'
				? `Not rotated for ${Math.floor((now - rotation.issuedAt) / time.DAY_MS)} days (policy: ${rotationDays})`
				: `Rotation due: ${evaluation.reason.replace(/^Expires/, 'due')}`,
		);
	} else if (rotationDays > 0) {
		status = 'unknown';
		reasons.push('n8n did not say when it was last updated');
	}
	if (test?.result === 'failed') {
		status = expiry.worseStatus(status, 'failing');
		reasons.unshift(`Test failed: ${test.message}`);
	} else if (test?.result === 'passed') {
		reasons.unshift('Test passed');
	} else if (test?.result === 'unavailable') {
		reasons.unshift(`Not tested: ${test.message}`);
		if (!rotation) status = expiry.worseStatus(status, 'unknown');
	} else if (!rotation && rotationDays === 0) {
		status = 'unknown';
		reasons.push('Neither a live test nor a rotation policy is on');
	}
	return {
		key: `n8n:${baseUrl}:${credential.id}`,
		pairWith: 0,
		name: credential.name,
		source: 'n8n' as const,
		status,
		reason: reasons.join('. '),
		expiresAt,
		issuedAt,
		owner: credential.owner,
		renewalLink: `${baseUrl}/home/credentials/${encodeURIComponent(credential.id)}`,
		details: {
			id: credential.id,
			type: credential.type,
			createdAt: iso(credential.createdAt),
			updatedAt: iso(credential.updatedAt),
			daysSinceUpdate:
				credential.updatedAt === null
					? null
					: Math.floor((now - credential.updatedAt) / time.DAY_MS),
			test: test ? test.result : 'not run',
			...(test && test.result !== 'passed' ? { testMessage: test.message } : {}),
		},
	};
}
