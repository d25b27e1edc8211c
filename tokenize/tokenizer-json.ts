// Writes a trained byte-level BPE as a Hugging Face tokenizer.json in GPT-2's shape, so HF
// tokenizers, transformers and kiln all load it (kiln runs it on its own engine).
import { byteLevelString } from './byte-level-alphabet.js';
import type { TrainedBpe } from './bpe-trainer.js';

/** The tokenizer.json text for a trained byte-level BPE. */
export function toTokenizerJson(model: TrainedBpe): string {
  const vocab: Record<string, number> = {};
  model.tokens.forEach((t, id) => {
    vocab[byteLevelString(t)] = id;
  });
  // ByteLevel token strings never hold a space (byte 0x20 is 'Ġ'), so "left right" is unambiguous.
  const merges = model.merges.map(([a, b]) => `${byteLevelString(model.tokens[a])} ${byteLevelString(model.tokens[b])}`);
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: model.specials.map(([content, id]) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
  return JSON.stringify(json);
}
