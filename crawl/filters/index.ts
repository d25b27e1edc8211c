export { qualityFilters, qualityFilterConfig, type QualityFilterConfig, type FilterVerdict } from './quality-filters.js';
export { gopherRepetition, gopherRepetitionConfig, type GopherRepetitionConfig } from './gopher-repetition.js';
export { gopherQuality, gopherQualityConfig, type GopherQualityConfig } from './gopher-quality.js';
export { c4Quality, c4QualityConfig, type C4QualityConfig, type C4Result } from './c4-quality.js';
export { finewebQuality, finewebQualityConfig, type FinewebQualityConfig } from './fineweb-quality.js';
export { splitWords } from './words.js';
