// The bench corpus: tiny-shakespeare cut into documents of 1-8 KB, interleaved with the shared
// Common Crawl documents, repeated to the wanted size, written as JSONL files.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/** The shared texts both tokenizer benches use: tiny-shakespeare and the CCNet documents' texts. */
export function readSharedTexts(shared: string): { shakespeare: string; cc: string[] } {
  const shakespeare = readFileSync(path.join(shared, 'text/tinyshakespeare.txt'), 'utf8');
  const cc = gunzipSync(readFileSync(path.join(shared, 'text/ccnet-cc_en_head-0091.jsonl.gz')))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { text: string }).text);
  return { shakespeare, cc };
}

/** Writes ~`megabytes` MB of documents as `files` JSONL files under `dir`; returns the byte count. */
export function writeBenchCorpus(shared: string, dir: string, megabytes: number, files = 8): number {
  const { shakespeare, cc } = readSharedTexts(shared);
  mkdirSync(dir, { recursive: true });
  const target = megabytes * 1e6;
  const lines: string[][] = Array.from({ length: files }, () => []);
  let bytes = 0;
  let seed = 12345;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  let at = 0;
  let n = 0;
  while (bytes < target) {
    let text: string;
    if (n % 40 === 39) {
      text = cc[(n / 40) % cc.length | 0];
    } else {
      const len = 1000 + Math.floor(rand() * 7000);
      if (at + len > shakespeare.length) at = Math.floor(rand() * 1000);
      text = shakespeare.slice(at, at + len);
      at += len;
    }
    lines[n % files].push(JSON.stringify({ id: `doc-${n}`, text }));
    bytes += Buffer.byteLength(text);
    n++;
  }
  lines.forEach((l, i) => writeFileSync(path.join(dir, `docs-${String(i).padStart(2, '0')}.jsonl`), l.join('\n') + '\n'));
  return bytes;
}
