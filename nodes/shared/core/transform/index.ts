// Canonical Transform: converters and the mapping compiler (pure, no n8n).
export { compileMapping, describeItemFailures, exportMapping, parseMapping } from './mapping';
export type {
	CompileOptions,
	CompiledMapping,
	ExternalValues,
	FieldFailure,
	TransformResult,
} from './mapping';
export { CONVERTER_NAMES, MAX_MAPPING_FIELDS } from './schema';
export type {
	ConverterName,
	FieldDefinition,
	MappingDefinition,
	MappingInput,
	MappingVersion,
	MissingPolicy,
} from './schema';
export { ConversionError, MappingError } from './errors';
export { DEFAULT_PROFILE, parseCurrencySymbolList, parseWordList } from './profile';
export type { DateOrder, DecimalStyle, SourceProfile } from './profile';
export { currencyExponent } from './currency';
export { isValidAbn, isValidAcn } from './identifiers';
export { CANONICAL_MODELS, PRESETS, PRESET_SOURCES, findPreset, presetMapping } from './presets';
export type { CanonicalModel, Preset, PresetEdits, PresetSource } from './presets';
