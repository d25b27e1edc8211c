import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendName } from '../../train/index.js';

const require = createRequire(import.meta.url);
function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

test('auto takes the fastest backend that loads and says why it skipped the others', async () => {
  const choice = await selectBackend('auto');
  assert.equal(tf.getBackend(), choice.engine);
  if (!installed('@tensorflow/tfjs-node-gpu') && !installed('@tensorflow/tfjs-node')) {
    assert.equal(choice.name, 'wasm');
    assert.equal(choice.adapter, null);
    assert.deepEqual(choice.skipped.map((s) => s.name), ['tensorflow-gpu', 'webgpu', 'tensorflow']);
    assert.match(choice.skipped[0]!.reason, /@tensorflow\/tfjs-node-gpu is not installed/);
    assert.match(choice.skipped[1]!.reason, /no WebGPU adapter|webgpu is not installed/);
  }
  await selectBackend('cpu');
  assert.equal(tf.getBackend(), 'cpu');
});

test('a named backend that is absent fails with a stable code; an unknown name is a usage error', async () => {
  if (!installed('@tensorflow/tfjs-node')) {
    await assert.rejects(selectBackend('tensorflow'), (err: { code?: string }) => err.code === 'KILN_BACKEND_UNAVAILABLE');
  }
  // webgpu: an adapter and its description, or the one error naming what is missing.
  const webgpu = await selectBackend('webgpu').then(
    (c) => c,
    (err: { code?: string; message?: string }) => err,
  );
  if ('name' in webgpu && webgpu.name === 'webgpu') assert.ok(webgpu.adapter !== null && webgpu.adapter.vendor !== '');
  else {
    assert.equal((webgpu as { code?: string }).code, 'KILN_BACKEND_UNAVAILABLE');
    assert.match(String((webgpu as { message?: string }).message), /no WebGPU adapter|webgpu is not installed/);
  }
  await assert.rejects(selectBackend('tpu' as BackendName), (err: { code?: string }) => err.code === 'KILN_USAGE');
});
