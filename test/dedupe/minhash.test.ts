import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MinHasher, estimatedJaccard } from '../../dedupe/minhash.js';
import { bandKeys, candidateProbability } from '../../dedupe/lsh.js';
import { makeCorpus, rng, trueJaccard } from './corpus.js';

test('signature estimates the true word 5-gram Jaccard (MAE < 0.04 over 300 pairs)', () => {
  const c = makeCorpus({ singletons: 0, exactGroups: 0, pairs: 300, maxEdit: 0.5, seed: 7 });
  const byId = new Map(c.docs.map((d) => [d.id, d.text]));
  const h = new MinHasher({ ngram: 5, permutations: 112 });
  const a = new Uint32Array(112);
  const b = new Uint32Array(112);
  let err = 0;
  for (const p of c.pairs) {
    h.signature(byId.get(p.a)!, a);
    h.signature(byId.get(p.b)!, b);
    err += Math.abs(estimatedJaccard(a, b) - p.jaccard);
  }
  assert.ok(err / c.pairs.length < 0.04, `MAE ${err / c.pairs.length}`);
});

test('words are Unicode letter/digit runs, case-folded; CJK characters are words of their own', () => {
  const h = new MinHasher({ ngram: 1, permutations: 16 });
  assert.equal(h.scanWords('Héllo,wörld! naïve—café 42'), 5);
  assert.equal(h.scanWords('東京タワー'), 5);
  assert.equal(h.scanWords('...  !!! 🙂'), 0);
  const x = new Uint32Array(16);
  const y = new Uint32Array(16);
  h.signature('Grüße AUS Köln', x);
  h.signature('grüße, aus köln!', y);
  assert.deepEqual(x, y);
  h.signature('grüsse aus köln', y);
  assert.notDeepEqual(x, y);
});

test('shingles are ordered word n-grams: reordering words changes the signature', () => {
  const h = new MinHasher({ ngram: 3, permutations: 64 });
  const x = new Uint32Array(64);
  const y = new Uint32Array(64);
  h.signature('one two three four five six', x);
  h.signature('six five four three two one', y);
  assert.ok(estimatedJaccard(x, y) < 0.2);
  assert.equal(h.signature('', x), 0);
  assert.equal(h.signature('short text', x), 1, 'fewer words than n: one shingle');
});

test('band keys: equal bands give equal keys, a changed minimum changes only its band', () => {
  const rand = rng(3);
  const sig = Uint32Array.from({ length: 112 }, () => Math.floor(rand() * 2 ** 32));
  const k1 = new Uint32Array(28);
  const k2 = new Uint32Array(28);
  bandKeys(sig, { bands: 14, rows: 8 }, k1);
  sig[8 * 5 + 3] ^= 1;
  bandKeys(sig, { bands: 14, rows: 8 }, k2);
  for (let b = 0; b < 14; b++) {
    const same = k1[2 * b] === k2[2 * b] && k1[2 * b + 1] === k2[2 * b + 1];
    assert.equal(same, b !== 5, `band ${b}`);
  }
  assert.ok(candidateProbability(0.85, { bands: 14, rows: 8 }) > 0.95);
  assert.ok(candidateProbability(0.5, { bands: 14, rows: 8 }) < 0.06);
});

test('true Jaccard reference agrees with hand counts', () => {
  assert.equal(trueJaccard('a b c d e f', 'a b c d e f'), 1);
  assert.equal(trueJaccard('a b c d e f', 'a b c d e g'), 1 / 3);
});
