export { extractMainText, MAX_HTML_CHARS, type MainText } from './main-text.js';
export { decodeHtml, charsetFromContentType, charsetFromMeta } from './charset.js';
export { parseHtmlTree, type HtmlTree, type El, type Block, type BlockKind } from './html-tree.js';
export { detectLanguage, type LanguageGuess } from './language.js';
export { replacePii, type PiiOptions } from './pii.js';
export {
  qualityFilters,
  gopherRepetition,
  gopherQuality,
  c4Quality,
  finewebQuality,
  type QualityFilterConfig,
  qualityFilterConfig,
  type FilterVerdict,
} from '../filters/index.js';
