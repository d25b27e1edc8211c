// Synthetic token datasets for the shard and loader benchmarks: documents of 200-4000 tokens
// with ids below the GPT-2 vocabulary, written as Parquet (`id`, `tokens` int32 list) in files
// of ~4M tokens, so generation memory stays flat whatever the total.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeParquet } from '../../core/parquet-write.js';
import { seededRandom } from '../../core/seeded-random.js';

export const GPT2_VOCAB = 50257;
export const GPT2_EOS = 50256;

/** Writes ~`tokens` tokens into `dir` (skipped when `dir/DONE` exists); returns the token count. */
export function writeTokenCorpus(dir: string, tokens: number, seed = 1): number {
  const marker = path.join(dir, '_DONE');
  if (existsSync(marker)) return Number((JSON.parse(readFileSync(marker, 'utf8')) as { tokens: number }).tokens);
  mkdirSync(dir, { recursive: true });
  const rnd = seededRandom(seed);
  let written = 0;
  let file = 0;
  let doc = 0;
  while (written < tokens) {
    const rows: Array<{ id: string; tokens: Int32Array }> = [];
    let inFile = 0;
    while (inFile < 4_000_000 && written + inFile < tokens) {
      const n = 200 + Math.floor(rnd() * 3800);
      const t = new Int32Array(n);
      for (let i = 0; i < n; i++) t[i] = Math.floor(rnd() * GPT2_EOS);
      rows.push({ id: `doc-${doc++}`, tokens: t });
      inFile += n;
    }
    writeFileSync(path.join(dir, `part-${String(file++).padStart(5, '0')}.parquet`), encodeParquet([{ name: 'id', type: 'string' }, { name: 'tokens', type: 'int32[]' }], rows));
    written += inFile;
  }
  writeFileSync(marker, JSON.stringify({ tokens: written }));
  return written;
}
