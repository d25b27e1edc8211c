// tiny-shakespeare as a user would bring it to kiln: one document per speech (blank-line
// separated, 7,222 documents), then `kiln tokenize` and `kiln shard` (10% of speeches held out for
// validation unless told otherwise). Shared by the train benches so they all train on the same shards.
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchData } from '../../test/core/project-paths.js';

const BIN = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));

/** Runs `kiln <argv>` and returns its stdout; rejects on a non-zero exit. */
export function kiln(argv: string[]): Promise<string> {
  process.stderr.write(`$ kiln ${argv.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { env: { ...process.env, KILN_LOG: process.env.KILN_LOG ?? 'silent' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`kiln ${argv[0]} exited ${code}`))));
  });
}

/** Writes speeches.jsonl, tokens/ and shards/ under `work` (which must exist); returns the shards dir and the speech count. */
export async function shakespeareShards(work: string, opts: { tokenizer: string; seqLen: number; valFraction?: number }): Promise<{ shards: string; documents: number }> {
  const speeches = (await readFile(benchData('train bench', 'text/tinyshakespeare.txt'), 'utf8')).split(/\n\s*\n/).map((s) => s.trim()).filter((s) => s.length > 0);
  const docs = path.join(work, 'docs');
  await mkdir(docs, { recursive: true });
  await writeFile(path.join(docs, 'speeches.jsonl'), speeches.map((text, i) => JSON.stringify({ id: `tinyshakespeare-${i}`, text })).join('\n') + '\n');
  await kiln(['tokenize', '--in', docs, '--out', path.join(work, 'tokens'), '--tokenizer', opts.tokenizer, '--json']);
  const shards = path.join(work, 'shards');
  await kiln(['shard', '--in', path.join(work, 'tokens'), '--out', shards, '--seq-len', String(opts.seqLen), '--val-fraction', String(opts.valFraction ?? 0.1), '--seed', '0', '--json']);
  return { shards, documents: speeches.length };
}
