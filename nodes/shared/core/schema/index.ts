// Schema Guard: schema sources, validation, drift and contracts (pure, no n8n).
// Names that read generically elsewhere in the package are exported with a Schema prefix.
export type {
	AcceptedChange as SchemaChange,
	ChangeKind as SchemaChangeKind,
	Contract as SchemaContract,
	ContractMode as SchemaContractMode,
	DriftKind as SchemaDriftKind,
	Finding as SchemaFinding,
	Problem as SchemaProblem,
} from './types';
export {
	CHANGE_KINDS as SCHEMA_CHANGE_KINDS,
	CONTRACT_MODES as SCHEMA_CONTRACT_MODES,
	DEFAULT_CONTRACT as DEFAULT_SCHEMA_CONTRACT,
	SchemaError,
} from './types';
export type { SchemaModel } from './model';
export type { Dialect as SchemaDialect, DialectOption as SchemaDialectOption } from './dialect';
export {
	DIALECT_LABELS as SCHEMA_DIALECT_LABELS,
	DIALECT_OPTIONS as SCHEMA_DIALECT_OPTIONS,
} from './dialect';
export { FORMAT_WORDS as SCHEMA_FORMAT_WORDS } from './formats';
export type { FieldSpec as SchemaFieldSpec, FieldType as SchemaFieldType } from './fields';
export {
	FIELD_FORMATS as SCHEMA_FIELD_FORMATS,
	FIELD_TYPES as SCHEMA_FIELD_TYPES,
	schemaFromFields,
} from './fields';
export type { InferredSchema } from './infer';
export { inferSchema } from './infer';
export type {
	CompiledSchema,
	CompileOptions as SchemaCompileOptions,
	SchemaSource,
} from './compile';
export { clearSchemaCache, compileSchema } from './compile';
export type { Verdict as SchemaVerdict } from './validate';
export { checkItem as checkAgainstSchema, isCleanlyValid } from './validate';
export type {
	DriftEntry,
	DriftOptions,
	NullRateSettings,
	NullStat as DriftNullStat,
} from './drift';
export {
	describeDriftEntry,
	DriftCollector,
	nullRateJumps,
	sortEntries as sortDriftEntries,
} from './drift';
export type {
	CounterStep as DriftCounterStep,
	DriftMemoryPlan,
	DriftMemorySettings,
	NullHistory as DriftNullHistory,
	RememberedDrift,
} from './memory';
export { DRIFT_MEMORY_DEFAULTS, rememberDrift, schemaIdentity } from './memory';
export { parseMemoryKey, type ParsedMemoryKey } from './memory';
export { DRIFT_KINDS } from './drift';
export type { DriftReportInput, SchemaLabel } from './report';
export { buildDriftReport } from './report';
