import * as tf from '@tensorflow/tfjs';

import { KilnError } from '../core/errors.js';

// A WebGPU validation or out-of-memory error does not throw: Dawn reports it on the device's
// `uncapturederror` event, skips the command buffer, and tfjs goes on reading zeros. A run that
// hit one would train on garbage and exit 0 (seen on lavapipe: a 412 MB logits buffer over the
// 128 MiB storage-binding limit gave loss 0 at every step), so every error is recorded here and
// the trainer fails on the first one.

/** The WebGPU device reported an error; the step's results cannot be trusted. */
export class BackendError extends KilnError {
  constructor(message: string) {
    super('KILN_BACKEND_ERROR', message, { key: 'webgpu' });
  }
}

/** A training step needs a buffer larger than the WebGPU device can bind. */
export class BackendLimitError extends KilnError {
  constructor(message: string) {
    super('KILN_BACKEND_LIMIT', message, { key: 'batch-size' });
  }
}

interface GpuDeviceLike {
  limits: { maxStorageBufferBindingSize: number };
  addEventListener(type: 'uncapturederror', listener: (event: { error: { message: string } }) => void): void;
}

/** Refuses a micro-batch whose fp32 logits (batch × seq × vocab) exceed a device's binding limit, naming one that fits. */
export function checkLogitsFit(maxBinding: number, batchSize: number, seqLen: number, vocabSize: number, gradAccum: number): void {
  const rowBytes = seqLen * vocabSize * 4;
  const bytes = batchSize * rowBytes;
  if (bytes <= maxBinding) return;
  const mib = (n: number): string => `${(n / 2 ** 20).toFixed(0)} MiB`;
  const fits = Math.floor(maxBinding / rowBytes);
  const hint = fits === 0
    ? 'even one sequence does not fit: use shards with a shorter --seq-len or a smaller vocabulary'
    : `use --batch-size ${fits} --grad-accum ${Math.ceil((batchSize * gradAccum) / fits)} (at least the same tokens per step)`;
  throw new BackendLimitError(`--batch-size ${batchSize} × seq ${seqLen} × vocab ${vocabSize} fp32 logits need ${mib(bytes)} in one buffer, over this WebGPU device's maxStorageBufferBindingSize of ${mib(maxBinding)}; ${hint}`);
}

/** Watches the active WebGPU device for errors; throws on the first via check(). */
export class WebgpuGuard {
  private first: string | null = null;
  private count = 0;

  private constructor(private readonly device: GpuDeviceLike) {
    device.addEventListener('uncapturederror', (event) => {
      this.count += 1;
      // Only the first message is kept: a broken step repeats the same error per dispatch.
      if (this.first === null) this.first = event.error.message.split('\n')[0] ?? '';
    });
  }

  /** The guard of tfjs's active webgpu backend. */
  static attach(): WebgpuGuard {
    const device = (tf.backend() as unknown as { device?: GpuDeviceLike }).device;
    if (device === undefined) throw new Error('the active tfjs backend has no WebGPU device');
    return new WebgpuGuard(device);
  }

  /** The largest storage buffer one shader may bind (bytes). */
  get maxBinding(): number {
    return this.device.limits.maxStorageBufferBindingSize;
  }

  /** Throws if the device reported an error since the run began. */
  check(step: number): void {
    if (this.first === null) return;
    throw new BackendError(`the WebGPU device reported ${this.count} error(s) by step ${step}, so its results are not trusted; first: ${this.first}`);
  }
}
