// Generated JSONL inputs for core's tests (deterministic for a seed).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { seededRandom } from '../../core/seeded-random.js';

/** The project's seeded generator (core/seeded-random.ts), so every run sees the same corpus. */
export const rng = seededRandom;

const WORDS = 'the of and to in is was for on that with as by at from his her it an were are which this be or had not but their has have one all its new more after first also two over years than other who been some into most time only when where about there many can states such later people used these between under both made city during including up may well'.split(' ');

/** A pseudo-random sentence-ish text of `words` words. */
export function text(r: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(r() * WORDS.length)]);
  return out.join(' ') + ' ü ñ 文字 🙂.';
}

/** Writes `files` JSONL files (the last gzipped) with `perFile` docs each; returns their paths. */
export async function writeJsonlCorpus(dir: string, files: number, perFile: number, seed = 1): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true });
  const r = rng(seed);
  const paths: string[] = [];
  for (let f = 0; f < files; f++) {
    const lines: string[] = [];
    for (let i = 0; i < perFile; i++) {
      const id = `doc-${f}-${i}`;
      const body = i % 17 === 5 ? `DROP ${text(r, 5)}` : text(r, 5 + Math.floor(r() * 60));
      lines.push(JSON.stringify({ id, text: body, url: i % 3 ? `https://example.org/${f}/${i}` : null }));
    }
    const data = lines.join('\n') + '\n';
    const gz = f === files - 1;
    const p = path.join(dir, `input-${f}.jsonl${gz ? '.gz' : ''}`);
    await fs.writeFile(p, gz ? gzipSync(data) : data);
    paths.push(p);
  }
  return paths;
}
