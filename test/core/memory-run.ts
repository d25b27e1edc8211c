// Child-process entry: writes GB of documents through TaskWriter, reads them back, and prints
// its own peak RSS. node memory-run.js DIR GB
import path from 'node:path';
import { DOCUMENT_COLUMNS } from '../../core/columns.js';
import { readDocuments } from '../../core/input-files.js';
import { TaskWriter } from '../../core/task-writer.js';
import { rng, text } from './corpus.js';

const [dir, gbArg] = process.argv.slice(2);
const target = Number(gbArg) * 1e9;
const r = rng(3);
// A pool of distinct texts reused with a counter keeps generation cheap but the data real-sized.
const pool = Array.from({ length: 2000 }, () => text(r, 150 + Math.floor(r() * 300)));
const writer = await TaskWriter.open(path.resolve(dir), 0, DOCUMENT_COLUMNS);
let written = 0;
let docs = 0;
while (written < target) {
  const t = `${docs} ${pool[docs % pool.length]}`;
  writer.push({ id: `d${docs}`, text: t, url: null });
  written += t.length;
  docs++;
  if (writer.shouldCommit()) await writer.commit({ docs });
}
await writer.commit({ docs });
let readDocs = 0;
let readChars = 0;
for await (const d of readDocuments([dir])) {
  readDocs++;
  readChars += d.text.length;
}
const peakMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(JSON.stringify({ docs, written, readDocs, readChars, peakMb }) + '\n');
