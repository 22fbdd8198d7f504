// Dead Letter: failure classification, redaction, records (pure, no n8n).
// The classifier and the redactor are the package's only ones: other nodes use these.
export { failureFacts, messageFromBody, type FailureFacts } from './facts';
export * from './classify';
export { classifyContent } from './content';
export * from './patterns';
export {
	createRedactor,
	defaultRedactor,
	redactSecrets,
	redactSecretText,
	Redactor,
	REDACTED,
	DEFAULT_REDACT_FIELDS,
	MAX_REDACT_DEPTH,
	MAX_SCAN_CHARS,
	type RedactResult,
} from './redact';
export * from './record';
export * from './alerts';
export * from './capture';
export * from './marker';
export * from './schedule';
export * from './seal';
export * from './replayPayload';
export * from './execution';
