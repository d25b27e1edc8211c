// The documented end-to-end run: tiny-shakespeare → documents (one per speech) → `kiln tokenize`
// (GPT-2) → `kiln shard` (seq_len 128) → `kiln train` gpt-mini on the CPU (WASM backend) for a
// fixed number of steps, reporting the val loss reached; report.html in the run dir shows the curve.
//   node dist/bench/train/shakespeare.js [--steps 200] [--batch-size 8] [--eval-every 0] [--work DIR]
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { kiln, shakespeareShards } from './shakespeare-shards.js';

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

const work = path.resolve(args.work!);
await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });

const { shards, documents } = await shakespeareShards(work, { tokenizer: 'gpt2', seqLen: 128 });
const summary = JSON.parse(
  await kiln([
    'train', '--data', shards, '--out', path.join(work, 'run'), '--model', 'gpt-mini', '--backend', args.backend!,
    '--steps', args.steps!, '--batch-size', args['batch-size']!, '--eval-every', args['eval-every']!, '--checkpoint-every', args['checkpoint-every']!, '--sample', '60', '--json',
  ]),
) as Record<string, unknown>;
process.stdout.write(JSON.stringify({ documents, ...summary, model: undefined }, null, 2) + '\n');
