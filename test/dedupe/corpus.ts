// A generated corpus whose true Jaccard similarities are known: singletons, exact copies (with
// case/punctuation/spacing changes that normalisation folds away), and near-duplicate pairs made
// by substituting a random share of a base document's words. The true Jaccard of every pair is
// computed exactly on word 5-gram sets with the same word definition the dedupe uses.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { seededRandom } from '../../core/seeded-random.js';
import { exactJaccard as trueJaccard, referenceWords as words } from '../../dedupe/exact-jaccard.js';

/** The project's seeded generator (core/seeded-random.ts), so every run sees the same corpus. */
export const rng = seededRandom;

/** Words as the dedupe measures them, and the exact Jaccard MinHash estimates (dedupe/exact-jaccard.ts). */
export { trueJaccard, words };


export interface CorpusDoc {
  id: string;
  text: string;
  url: string;
  lang: string;
}

export interface NearPair {
  a: string;
  b: string;
  jaccard: number;
}

export interface Corpus {
  docs: CorpusDoc[];
  singletons: string[];
  /** Groups of exact copies (first member is the original). */
  exactGroups: string[][];
  pairs: NearPair[];
}

export interface CorpusOptions {
  seed?: number;
  singletons?: number;
  exactGroups?: number;
  pairs?: number;
  /** Words per document: [min, max]. */
  length?: [number, number];
  /** Highest share of words substituted in a near pair. */
  maxEdit?: number;
  idPrefix?: string;
}

/** Builds a corpus; documents are shuffled so copies are not adjacent. */
export function makeCorpus(o: CorpusOptions = {}): Corpus {
  const rand = rng(o.seed ?? 1);
  const [minLen, maxLen] = o.length ?? [120, 300];
  const prefix = o.idPrefix ?? 'd';
  const letters = 'abcdefghijklmnopqrstuvwxyzéü';
  const vocab: string[] = [];
  for (let i = 0; i < 20000; i++) {
    let w = '';
    const len = 3 + Math.floor(rand() * 7);
    for (let j = 0; j < len; j++) w += letters[Math.floor(rand() * letters.length)];
    vocab.push(w);
  }
  const pick = (): string => vocab[Math.floor(rand() * vocab.length)];
  const baseWords = (): string[] => Array.from({ length: minLen + Math.floor(rand() * (maxLen - minLen)) }, pick);
  const render = (ws: string[]): string => {
    let s = '';
    ws.forEach((w, i) => {
      const start = i === 0 || s.endsWith('. ');
      s += start ? w[0].toUpperCase() + w.slice(1) : w;
      const r = rand();
      s += r < 0.06 ? '. ' : r < 0.1 ? ', ' : r < 0.11 ? '\n\n' : ' ';
    });
    return s.trim() + '.';
  };
  let next = 0;
  const id = (): string => `${prefix}${String(next++).padStart(6, '0')}`;
  const docs: CorpusDoc[] = [];
  const add = (text: string): string => {
    const d = { id: id(), text, url: `https://example.org/${next}`, lang: rand() < 0.5 ? 'en' : 'xx' };
    docs.push(d);
    return d.id;
  };
  const singletons: string[] = [];
  for (let i = 0; i < (o.singletons ?? 1000); i++) singletons.push(add(render(baseWords())));
  const exactGroups: string[][] = [];
  for (let i = 0; i < (o.exactGroups ?? 50); i++) {
    const text = render(baseWords());
    const group = [add(text)];
    const copies = 1 + Math.floor(rand() * 3);
    for (let c = 0; c < copies; c++) {
      // Same words, different surface: upper case, doubled spaces, punctuation changes.
      const variant = c % 3 === 0 ? text.toUpperCase() : c % 3 === 1 ? text.replace(/ /g, '  ').replace(/\./g, '!') : `  ${text.replace(/,/g, ';')}\n`;
      group.push(add(variant));
    }
    exactGroups.push(group);
  }
  const pairs: NearPair[] = [];
  const maxEdit = o.maxEdit ?? 0.12;
  for (let i = 0; i < (o.pairs ?? 300); i++) {
    const ws = baseWords();
    // Squared: many pairs close to identical (the J >= 0.85 region), a long tail of distant ones.
    const edit = maxEdit * rand() ** 2;
    const vs = ws.map((w) => (rand() < edit ? pick() : w));
    const a = render(ws);
    const b = render(vs);
    pairs.push({ a: add(a), b: add(b), jaccard: trueJaccard(a, b) });
  }
  // Shuffle (Fisher-Yates), so duplicates are spread over files and chunks.
  for (let i = docs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [docs[i], docs[j]] = [docs[j], docs[i]];
  }
  return { docs, singletons, exactGroups, pairs };
}

/** Writes docs as `files` JSONL files in `dir`; returns the paths. */
export function writeJsonl(dir: string, docs: readonly CorpusDoc[], files = 4): string[] {
  mkdirSync(dir, { recursive: true });
  const per = Math.ceil(docs.length / files);
  const paths: string[] = [];
  for (let f = 0; f < files; f++) {
    const p = path.join(dir, `part-${f}.jsonl`);
    writeFileSync(p, docs.slice(f * per, (f + 1) * per).map((d) => JSON.stringify(d)).join('\n') + '\n');
    paths.push(p);
  }
  return paths;
}
