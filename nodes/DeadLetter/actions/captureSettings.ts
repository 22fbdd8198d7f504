import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { deadletter, fieldNameOption, operationError, paths } from '../../shared';
import { readThresholds } from './alerts';
import { readKeyring } from './encryption';
import { countParameter, optionCount, readOptions, retentionMsOf } from './parameters';

const MB = 1024 * 1024;
/** Open records a queue may hold by default before Capture refuses new ones. */
export const DEFAULT_MAX_OPEN_RECORDS = 10_000;
/** From this version Capture's items carry the record's summary, not a second copy of the payload. */
export const SUMMARY_OUTPUT_VERSION = 2.1;
/** From this version a replay that fails again moves its record to the class of this failure. */
export const RECLASSIFY_VERSION = 2.2;

/** Capture's parameters, read once per execution. */
export interface CaptureSettings {
	core: deadletter.CaptureSettings;
	redactor: deadletter.Redactor;
	correlationField: string;
	outputField: string;
	maxAttempts: number;
	thresholds: deadletter.AlertThresholds;
	binaryContentMaxBytes: number;
	payloadFrom: 'sent' | 'item';
	maxOpenRecords: number;
	retentionMs: number;
	/** Version 2.1: Captured and Auth Failure items carry the record's summary only, not the payload again. */
	summaryOnly: boolean;
	/** Version 2.2, Redacted Values: Keep Encrypted: the captured payload is sealed with these keys. */
	keyring: deadletter.Keyring | null;
	/** Version 2.2: a record captured again takes this failure's class (List's and Replay's class filters, the trigger's schedule). */
	reclassify: boolean;
}

export async function readCaptureSettings(context: IExecuteFunctions): Promise<CaptureSettings> {
	const options = readOptions(context);
	const redactFields =
		typeof options.redactFields === 'string'
			? paths.parseFieldList(options.redactFields)
			: undefined;
	const binaryMb = Number(options.binaryContentMaxMb ?? 0);
	const outputField = fieldNameOption(context, 'options.outputField', 'Output Field', 'deadLetter');
	return {
		core: {
			incoming: context.getNodeParameter('incoming', 0, 'failed') as deadletter.IncomingItems,
			errorField: fieldNameOption(context, 'options.errorField', 'Error Field', 'error'),
			outputField,
			patterns: readPatterns(context),
			detectCommonFailures: options.detectCommonFailures !== false,
		},
		redactor: deadletter.createRedactor(redactFields, options.redactSecrets !== false),
		correlationField: fieldNameOption(
			context,
			'options.correlationField',
			'Correlation ID Field',
			'correlationId',
		),
		outputField,
		maxAttempts: countParameter(context, 'maxAttempts', 'Max Attempts', 5, 1),
		thresholds: readThresholds(context),
		binaryContentMaxBytes:
			Number.isFinite(binaryMb) && binaryMb > 0 ? Math.floor(binaryMb * MB) : 0,
		payloadFrom: options.payloadFrom === 'item' ? 'item' : 'sent',
		maxOpenRecords: optionCount(
			context,
			options,
			'maxOpenRecords',
			'Max Open Records',
			DEFAULT_MAX_OPEN_RECORDS,
		),
		retentionMs: retentionMsOf(context, options),
		summaryOnly: context.getNode().typeVersion >= SUMMARY_OUTPUT_VERSION,
		keyring: await readKeyring(context),
		reclassify: context.getNode().typeVersion >= RECLASSIFY_VERSION,
	};
}

function readPatterns(context: IExecuteFunctions) {
	const rules = context.getNodeParameter('failurePatterns.rules', 0, []) as IDataObject[];
	const specs: deadletter.BodyPatternSpec[] = rules.map((rule) => ({
		field: String(rule.field ?? ''),
		match: String(rule.match ?? 'contains') as deadletter.BodyPatternSpec['match'],
		value: String(rule.value ?? ''),
		class: String(rule.class ?? 'auto') as deadletter.BodyPatternSpec['class'],
	}));
	try {
		return deadletter.compileBodyPatterns(specs);
	} catch (error) {
		const message =
			error instanceof deadletter.BodyPatternError
				? error.message
				: `Failure Patterns: ${(error as Error).message}`;
		throw operationError(context, message, {
			description:
				'Fix the pattern under Failure Patterns: a field path, a match, and a value (a valid regular expression for Matches Regex).',
		});
	}
}
