/**
 * A dedupe benchmark corpus of any size built from real text: the sentences of the shared
 * Common Crawl (CCNet) documents and tiny-shakespeare lines, drawn at random into 1-5 KB
 * documents with a few words swapped, so every document is distinct; ~5% are exact copies and
 * ~5% near copies (3% of words changed) of a recent document. Seeded per file: the same call
 * writes the same bytes, and files already present are reused.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { seededRandom } from '../../core/seeded-random.js';

/** Bytes per generated JSONL file: 8 files make ~1 GB, one per task at --tasks 8. */
export const GENERATED_FILE_BYTES = 128e6;

/** The real sentences the documents are drawn from. */
function sentencePool(dataDir: string): string[] {
  const cc = gunzipSync(readFileSync(path.join(dataDir, 'text/ccnet-cc_en_head-0091.jsonl.gz'))).toString('utf8');
  const texts = cc.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { raw_content?: string; text?: string }).raw_content ?? (JSON.parse(l) as { text?: string }).text ?? '');
  const sentences = texts.flatMap((t) => t.split(/(?<=[.!?])\s+|\n+/));
  const lines = readFileSync(path.join(dataDir, 'text/tinyshakespeare.txt'), 'utf8').split('\n');
  return [...sentences, ...lines].map((s) => s.trim()).filter((s) => s.split(' ').length >= 4);
}

/** Writes `files` JSONL files (id, text) of ~fileBytes each into `dir`; returns their paths. */
export async function writeGeneratedCorpus(dataDir: string, dir: string, files: number, fileBytes = GENERATED_FILE_BYTES): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const pool = sentencePool(dataDir);
  const words = pool.flatMap((s) => s.split(' '));
  const paths: string[] = [];
  for (let f = 0; f < files; f++) {
    const file = path.join(dir, `cc-gen-${fileBytes}-${String(f).padStart(4, '0')}.jsonl`);
    paths.push(file);
    if (existsSync(file)) continue;
    const rand = seededRandom(17_000 + f);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    const recent: string[] = [];
    const out = createWriteStream(`${file}.tmp`);
    let bytes = 0;
    for (let n = 0; bytes < fileBytes; n++) {
      const r = rand();
      let text: string;
      if (r < 0.05 && recent.length > 0) text = pick(recent);
      else if (r < 0.1 && recent.length > 0) text = pick(recent).split(' ').map((w) => (rand() < 0.03 ? pick(words) : w)).join(' ');
      else {
        const target = 1000 + Math.floor(rand() * 4000);
        const parts: string[] = [];
        for (let len = 0; len < target; ) {
          const s = pick(pool).split(' ').map((w) => (rand() < 0.05 ? pick(words) : w)).join(' ');
          parts.push(s);
          len += s.length + 1;
        }
        text = parts.join(' ');
        if (recent.length < 2000) recent.push(text);
        else recent[Math.floor(rand() * recent.length)] = text;
      }
      const line = `${JSON.stringify({ id: `f${f}-${n}`, text })}\n`;
      bytes += line.length;
      if (!out.write(line)) await new Promise<void>((res) => out.once('drain', () => res()));
    }
    await new Promise<void>((res) => out.end(res));
    renameSync(`${file}.tmp`, file);
  }
  return paths;
}
