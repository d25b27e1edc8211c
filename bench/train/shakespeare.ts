// The documented end-to-end run: tiny-shakespeare → documents (one per speech) → `kiln tokenize`
// (GPT-2) → `kiln shard` (seq_len 128) → `kiln train` gpt-mini on the CPU (WASM backend) for a
// fixed number of steps, reporting the val loss reached; report.html in the run dir shows the curve.
//   node dist/bench/train/shakespeare.js [--steps 200] [--batch-size 8] [--eval-every 0] [--work DIR]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const BIN = path.join(ROOT, 'dist/cli/bin.js');
const TEXT = path.resolve(ROOT, '../shared/data/text/tinyshakespeare.txt');

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '200' },
    'batch-size': { type: 'string', default: '8' },
    'eval-every': { type: 'string', default: '0' },
    'checkpoint-every': { type: 'string', default: '50' },
    backend: { type: 'string', default: 'auto' },
    work: { type: 'string', default: path.join(tmpdir(), 'kiln-shakespeare') },
  },
});

function kiln(argv: string[]): Promise<string> {
  process.stderr.write(`$ kiln ${argv.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { env: { ...process.env, KILN_LOG: process.env.KILN_LOG ?? 'silent' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`kiln ${argv[0]} exited ${code}`))));
  });
}

if (!existsSync(TEXT)) {
  process.stderr.write(`skipped: ${TEXT} is absent\n`);
  process.exit(0);
}
const work = path.resolve(args.work!);
await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });

// One document per speech (blank-line separated), in play order; the shard stage shuffles them
// and holds out 10% of speeches for validation.
const speeches = (await readFile(TEXT, 'utf8')).split(/\n\s*\n/).map((s) => s.trim()).filter((s) => s.length > 0);
const docs = path.join(work, 'docs');
await mkdir(docs);
await writeFile(path.join(docs, 'speeches.jsonl'), speeches.map((text, i) => JSON.stringify({ id: `tinyshakespeare-${i}`, text })).join('\n') + '\n');

await kiln(['tokenize', '--in', docs, '--out', path.join(work, 'tokens'), '--tokenizer', 'gpt2', '--json']);
await kiln(['shard', '--in', path.join(work, 'tokens'), '--out', path.join(work, 'shards'), '--seq-len', '128', '--val-fraction', '0.1', '--seed', '0', '--json']);
const summary = JSON.parse(
  await kiln([
    'train', '--data', path.join(work, 'shards'), '--out', path.join(work, 'run'), '--model', 'gpt-mini', '--backend', args.backend!,
    '--steps', args.steps!, '--batch-size', args['batch-size']!, '--eval-every', args['eval-every']!, '--checkpoint-every', args['checkpoint-every']!, '--sample', '60', '--json',
  ]),
) as Record<string, unknown>;
process.stdout.write(JSON.stringify({ documents: speeches.length, ...summary, model: undefined }, null, 2) + '\n');
