// `kiln tokenize … && kiln shard …` interrupted with Ctrl-C during tokenize, as a terminal does it:
// SIGINT to the whole foreground process group. tokenize must exit 130 (so `&&` never starts
// shard) and print the command that resumes; running the same chain again must give exactly the
// shards of a chain that was never interrupted, byte for byte.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { writeJsonlCorpus } from '../core/corpus.js';
import { writeKilnWrapper, type KilnResult } from './kiln-process.js';

const CHAIN = 'kiln tokenize --in in --out tok --workers 1 --part-mb 0.1 && kiln shard --in tok --out shards --seq-len 64 --val-fraction 0.05 --seed 3';

/** Runs CHAIN under bash in its own process group; `onStart` may signal the group. */
function runChain(cwd: string, binDir: string, onStart?: (group: number) => void): Promise<KilnResult> {
  const child = spawn('bash', ['-c', CHAIN], {
    cwd,
    detached: true,
    env: { ...process.env, NODE_V8_COVERAGE: undefined, KILN_LOG: 'silent', PATH: `${binDir}:${process.env.PATH}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  onStart?.(child.pid!);
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

async function commits(dir: string): Promise<number> {
  return (await fs.readdir(path.join(dir, '_kiln/commits')).catch(() => [])).length;
}

/**
 * Every file under `dir` except kiln's own bookkeeping, with its bytes. index.json is compared
 * without its time stamps and without each generation's `inputs` (absolute paths of the tokens
 * parts, which differ between the two working directories, and whose chunking differs after a
 * resume); everything else in it, and every shard byte, must be equal.
 */
async function shardFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await fs.readdir(dir)).sort()) {
    if (name === '_kiln') continue;
    const bytes = await fs.readFile(path.join(dir, name));
    out[name] =
      name === 'index.json'
        ? JSON.stringify(JSON.parse(bytes.toString('utf8'), (k, v: unknown) => (k === 'created_at' || k === 'inputs' ? undefined : v)))
        : bytes.toString('base64');
  }
  return out;
}

test('Ctrl-C during tokenize in `tokenize && shard`: exit 130, shard never runs, the rerun equals an uninterrupted chain', { timeout: 240_000 }, async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-chain-'));
  const binDir = path.join(root, 'bin');
  await writeKilnWrapper(binDir);
  const reference = path.join(root, 'reference');
  const interrupted = path.join(root, 'interrupted');
  for (const cwd of [reference, interrupted]) await writeJsonlCorpus(path.join(cwd, 'in'), 2, 6000, 5);

  const whole = await runChain(reference, binDir);
  assert.equal(whole.code, 0, whole.stderr);

  let sent = false;
  const stopped = await runChain(interrupted, binDir, (group) => {
    const poll = setInterval(() => {
      void commits(path.join(interrupted, 'tok')).then((n) => {
        if (n === 0 || sent) return;
        sent = true;
        clearInterval(poll);
        process.kill(-group, 'SIGINT');
      });
    }, 20);
  });
  assert.ok(sent, 'SIGINT was sent while tokenize had committed parts');
  assert.equal(stopped.code, 130, `the chain exits 130\n${stopped.stderr}`);
  assert.match(stopped.stderr, /resume with: kiln tokenize --in in --out tok/);
  await assert.rejects(fs.access(path.join(interrupted, 'shards')), 'shard never ran');
  await assert.rejects(fs.access(path.join(interrupted, 'tok/_kiln/SUCCESS.json')), 'tokenize was stopped before its end');

  const resumed = await runChain(interrupted, binDir);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(await shardFiles(path.join(interrupted, 'shards')), await shardFiles(path.join(reference, 'shards')));
});
