// The peer of bench/tokenize: gpt-tokenizer's GPT-2 (r50k_base) encoding on one thread over the
// same JSONL documents, as a whole process. Prints {tokens, documents, seconds} as JSON.
import { createReadStream, readdirSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { encode } from 'gpt-tokenizer/encoding/r50k_base';

const dir = process.argv[2];
let tokens = 0;
let documents = 0;
const started = performance.now();
for (const name of readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort()) {
  const lines = readline.createInterface({ input: createReadStream(path.join(dir, name)), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const doc = JSON.parse(line) as { text: string };
    tokens += encode(doc.text).length;
    documents++;
  }
}
process.stdout.write(JSON.stringify({ tokens, documents, seconds: (performance.now() - started) / 1000 }) + '\n');
