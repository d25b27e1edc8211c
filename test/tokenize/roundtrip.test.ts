// decode(encode(x)) == x for every byte-level BPE tokenizer kiln runs itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadTokenizer } from '../../tokenize/load.js';
import { TRICKY_TEXTS } from './tricky-text.js';
import { sharedDataPath } from '../core/project-paths.js';

const NAMES = ['gpt2', 'cl100k_base', 'o200k_base'];

test('byte-level BPE round-trips tricky text and random Unicode (property)', () => {
  const json = sharedDataPath('tokenizers/gpt2/tokenizer.json');
  for (const name of [...NAMES, ...(json ? [json] : [])]) {
    const tok = loadTokenizer(name);
    const encode = tok.encodeSync!;
    const decode = tok.decodeSync!;
    for (const t of TRICKY_TEXTS) assert.equal(decode(encode(t)), t, `${name}: ${JSON.stringify(t)}`);
    // Well-formed UTF-16 only: a lone surrogate has no UTF-8 form, so no byte-level BPE keeps it.
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (t) => decode(encode(t)) === t), { numRuns: 400 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (t) => decode(encode(t)) === t), { numRuns: 400 });
  }
});
