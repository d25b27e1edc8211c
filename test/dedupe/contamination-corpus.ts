// The decontamination test corpus: 5,000 web documents made of real Common Crawl / web article
// lines (the shared CCNet documents and the scrapinghub article bodies, ../shared/data), 200 of
// them with tiny-shakespeare passages injected (half whole, half as a 13-20-word span), and the
// 200 passages as the eval set.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { seededRandom } from '../../core/seeded-random.js';

export interface ContaminationCorpus {
  /** JSONL files of the documents. */
  docFiles: string[];
  /** The eval set (JSONL: id, text). */
  evalFile: string;
  /** Original text of every document, by id. */
  original: Map<string, string>;
  /** Injected documents: id -> eval item id. */
  injected: Map<string, string>;
  /** The eval passages, by item id. */
  passages: Map<string, string>;
}

/** Real web text lines (CCNet documents, scrapinghub article bodies), each at least 30 characters. */
export function webLines(shared: string): string[] {
  const cc = gunzipSync(readFileSync(path.join(shared, 'text/ccnet-cc_en_head-0091.jsonl.gz')))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { text: string }).text);
  const articles = Object.values(JSON.parse(readFileSync(path.join(shared, 'extraction/scrapinghub/ground-truth.json'), 'utf8')) as Record<string, { articleBody: string }>).map((a) => a.articleBody);
  return [...cc, ...articles].flatMap((t) => t.split('\n')).map((l) => l.trim()).filter((l) => l.length >= 30);
}

/** tiny-shakespeare's speeches (blank-line separated) of at least `minWords` words, distinct. */
export function shakespearePassages(shared: string, minWords: number): string[] {
  const all = readFileSync(path.join(shared, 'text/tinyshakespeare.txt'), 'utf8').split(/\n\s*\n/).map((p) => p.trim());
  return [...new Set(all)].filter((p) => p.split(/\s+/).length >= minWords);
}

/** Writes the corpus under `dir`. */
export function writeContaminationCorpus(shared: string, dir: string, seed = 19): ContaminationCorpus {
  const r = seededRandom(seed);
  const lines = webLines(shared);
  const speeches = shakespearePassages(shared, 30);
  // 200 passages spread over the plays.
  const passages = new Map<string, string>();
  const step = Math.floor(speeches.length / 200);
  for (let i = 0; i < 200; i++) passages.set(`passage-${i}`, speeches[i * step]);
  mkdirSync(dir, { recursive: true });
  const evalFile = path.join(dir, 'passages.jsonl');
  writeFileSync(evalFile, [...passages].map(([id, text]) => JSON.stringify({ id, text })).join('\n') + '\n');
  const original = new Map<string, string>();
  const injected = new Map<string, string>();
  const files: string[][] = [[], [], [], []];
  for (let d = 0; d < 5000; d++) {
    const id = `cc-${String(d).padStart(4, '0')}`;
    const parts: string[] = [];
    const n = 3 + Math.floor(r() * 10);
    for (let k = 0; k < n; k++) parts.push(lines[Math.floor(r() * lines.length)]);
    let text = parts.join('\n');
    original.set(id, text);
    if (d % 25 === 7) {
      const p = injected.size;
      const pid = `passage-${p}`;
      const passage = passages.get(pid)!;
      let insert = passage;
      if (p % 2 === 1) {
        // A span of 13-20 words from inside the passage, cut at word boundaries.
        const words = passage.split(/\s+/);
        const len = 13 + Math.floor(r() * 8);
        const from = Math.floor(r() * (words.length - len));
        insert = words.slice(from, from + len).join(' ');
      }
      // Into the middle of a random line, between two words.
      const at = Math.floor(r() * parts.length);
      const words = parts[at].split(' ');
      const cut = Math.floor(words.length / 2);
      parts[at] = [...words.slice(0, cut), insert, ...words.slice(cut)].join(' ');
      text = parts.join('\n');
      injected.set(id, pid);
    }
    files[d % 4].push(JSON.stringify({ id, text, url: `https://cc.example/${d}` }));
  }
  const docFiles = files.map((rows, i) => {
    const f = path.join(dir, 'docs', `cc-${i}.jsonl`);
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, rows.join('\n') + '\n');
    return f;
  });
  return { docFiles, evalFile, original, injected, passages };
}
