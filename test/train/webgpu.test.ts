// The WebGPU backend (Dawn via the `webgpu` package) against the CPU backend: same seed, same
// batches, same losses. Runs wherever a WebGPU adapter exists. KILN_TEST_WEBGPU_NODE names the node
// to run it with (.ci/run sets it to .ci/lavapipe.sh's launcher: node with Mesa's software Vulkan);
// when it is set, a missing adapter fails the test instead of skipping it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { readMetrics, type BackendRecord, type StepRecord, type TrainSummary } from '../../train/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(here, 'train-child.js');
const BIN = path.join(here, '..', '..', 'cli', 'bin.js');
const WEBGPU_NODE = process.env.KILN_TEST_WEBGPU_NODE;

function run(node: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { env: { ...process.env, KILN_LOG: 'silent', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function trainIn(node: string, backend: string, out: string, model: string): Promise<{ code: number | null; summary?: TrainSummary; stderr: string }> {
  const config = { data: 'memory', out, steps: 4, batchSize: 4, backend, model, seed: 7, evalEvery: 0, evalBatches: 1, checkpointEvery: 0 };
  const r = await run(node, [CHILD, JSON.stringify(config)], { KILN_TRAIN_CHILD: '1' });
  const line = r.stdout.trim().split('\n').at(-1);
  return { code: r.code, stderr: r.stderr, ...(r.code === 0 && line ? { summary: JSON.parse(line) as TrainSummary } : {}) };
}

async function stepLosses(summary: TrainSummary): Promise<number[]> {
  return (await readMetrics(summary.metrics)).filter((r): r is StepRecord => 'loss' in r).map((r) => r.loss);
}

for (const model of ['gpt-mini', 'llama-mini']) {
  test(`${model}: WebGPU gives the CPU backend's losses (same seed, 1e-3 relative) and names its adapter`, async (t) => {
    const root = await mkdtemp(path.join(tmpdir(), 'kiln-webgpu-'));
    try {
      const gpu = await trainIn(WEBGPU_NODE ?? process.execPath, 'webgpu', path.join(root, 'gpu'), model);
      if (gpu.summary === undefined) {
        const reason = /KILN_BACKEND_UNAVAILABLE/.test(gpu.stderr) ? /(no WebGPU adapter|the optional package webgpu)[^\n]*/.exec(gpu.stderr)?.[0] : undefined;
        // Only "no adapter here" may skip; any other failure of the WebGPU run is a bug.
        assert.ok(reason !== undefined, `webgpu run failed: ${gpu.stderr}`);
        assert.equal(WEBGPU_NODE, undefined, `KILN_TEST_WEBGPU_NODE is set but WebGPU is unavailable: ${reason}`);
        t.skip(reason);
        return;
      }
      const cpu = await trainIn(process.execPath, 'cpu', path.join(root, 'cpu'), model);
      assert.equal(cpu.code, 0, cpu.stderr);
      const [gpuLosses, cpuLosses] = [await stepLosses(gpu.summary), await stepLosses(cpu.summary!)];
      assert.equal(gpuLosses.length, 4);
      assert.equal(cpuLosses.length, 4);
      for (let i = 0; i < 4; i++) {
        assert.ok(Math.abs(gpuLosses[i]! - cpuLosses[i]!) <= 1e-3 * Math.abs(cpuLosses[i]!), `step ${i + 1}: webgpu ${gpuLosses[i]} vs cpu ${cpuLosses[i]}`);
      }
      // The losses move (a model that never updated would match trivially).
      assert.notEqual(cpuLosses[0], cpuLosses[3]);

      const adapter = gpu.summary.adapter;
      assert.equal(gpu.summary.backend, 'webgpu');
      assert.ok(adapter !== null && adapter.vendor !== '' && adapter.description !== '', JSON.stringify(adapter));
      assert.equal(cpu.summary!.adapter, null);
      const runLine = (await readMetrics(gpu.summary.metrics)).find((r): r is BackendRecord => 'backend' in r);
      assert.deepEqual(runLine?.adapter, adapter);
      assert.ok((await readFile(gpu.summary.report, 'utf8')).includes(adapter.description));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
}

test('kiln train --backend webgpu without an adapter fails with one line naming what is missing', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'kiln-webgpu-cli-'));
  try {
    // An ICD list naming no driver: the Vulkan loader (if any) finds no adapter, whatever the machine has.
    const r = await run(process.execPath, [BIN, 'train', '--data', 'nowhere', '--out', 'out', '--backend', 'webgpu'], {
      VK_DRIVER_FILES: path.join(root, 'none.json'),
      VK_ICD_FILENAMES: path.join(root, 'none.json'),
    });
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('Warning:') && !l.startsWith('    at '));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^kiln: KILN_BACKEND_UNAVAILABLE: no WebGPU adapter: (libvulkan\.so\.1 .*cannot be loaded|the Vulkan loader found no driver)/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a micro-batch whose logits exceed the WebGPU binding limit is refused with a batch size that fits', async () => {
  const { checkLogitsFit } = await import('../../train/index.js');
  const limit = 128 * 2 ** 20; // lavapipe's maxStorageBufferBindingSize
  // gpt-mini on GPT-2 shards: 16 × 128 × 50257 × 4 B = 393 MiB (what trained on zeros before this check).
  assert.throws(() => checkLogitsFit(limit, 16, 128, 50257, 1), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'KILN_BACKEND_LIMIT');
    assert.match(err.message, /393 MiB.*128 MiB; use --batch-size 5 --grad-accum 4 /);
    return true;
  });
  assert.doesNotThrow(() => checkLogitsFit(limit, 5, 128, 50257, 4));
  assert.throws(() => checkLogitsFit(limit, 1, 4096, 50257, 1), /even one sequence does not fit/);
});
