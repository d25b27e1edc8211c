// The tokenize stage and everything it is built from.
export type { Tokenizer, TokenizerInfo } from './tokenizer.js';
export { loadTokenizer } from './load.js';
export { BUILTIN_NAMES, isBuiltin, type BuiltinName } from './builtin-names.js';
export { ByteBpe, type ByteBpeSpec, type PieceSplitter } from './byte-bpe.js';
export { TokenBuffer } from './token-buffer.js';
export { gpt2PieceEnd } from './gpt2-pretokenizer.js';
export { CL100K_PATTERN, GPT2_PATTERN, O200K_PATTERN, regexSplitter, withUnicodeWhiteSpace } from './regex-pretokenizer.js';
export { latin1OfText, readTiktokenFile, specFromRanks } from './rank-table.js';
export { splitAtWhitespace } from './long-text.js';
export { EncodePool, type EncodedPartResult, type PartInput } from './encode-pool.js';
export { closeEncodePool, resolveTokenizerSpec, setEncodeWorkers } from './shared-pool.js';
export { tokenizeConfigSchema, tokenizeStage, type TokenizeConfig } from './stage.js';
export { TOKENS_COLUMNS } from './tokens-columns.js';
export { readTokenizerInfo, recordTokenizer, tokenizerCopyPath, tokenizerInfoPath } from './tokenizer-record.js';
export { countPieces, trainByteLevelBpe, type BpeTrainOptions, type TrainedBpe } from './bpe-trainer.js';
export { toTokenizerJson } from './tokenizer-json.js';
export { trainTokenizer, type TokenizerTrainSummary } from './train.js';
