import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { KilnError } from '../core/errors.js';
import type { ModelConfig } from './model/config.js';
import { makeDirs } from '../core/make-dirs.js';

/** A checkpoint directory is missing a file, fails its checksum, or was written by something else. */
export class CheckpointError extends KilnError {
  constructor(message: string, file: string, options?: { cause?: unknown }) {
    super('KILN_CHECKPOINT', message, { path: file }, options);
  }
}

const FORMAT = 'kiln-checkpoint';
const VERSION = 1;
const MANIFEST = 'checkpoint.json';
const TENSORS = 'tensors.bin';
const STEP_DIR = /^step-(\d{8})$/;

/** Where one tensor lies in tensors.bin (little-endian float32). */
export interface TensorEntry {
  name: string;
  shape: number[];
  /** Byte offset in tensors.bin. */
  offset: number;
}

/** checkpoint.json: everything needed to continue exactly where the run stopped. */
export interface CheckpointManifest {
  format: typeof FORMAT;
  version: number;
  /** Optimizer updates done. */
  step: number;
  model: ModelConfig;
  /** The train config the run used (JSON). */
  train: Record<string, unknown>;
  /** Seeds: init, loader order, sampling all derive from this. */
  seed: number;
  optimizer: { step: number; beta1: number; beta2: number; eps: number; weightDecay: number };
  /** Train loader position: its epoch and the JSON state it returned. */
  loader: { epoch: number; state: unknown };
  /** Val loss before the first update (carried so a resumed run can still report it). */
  initialValLoss: number | null;
  tokenizer: { name: string; hash: string } | null;
  /** Hash of the settings that decide the weights (run-identity.ts); absent in older checkpoints. */
  identity?: string;
  /** The shards' end-of-document id: sampling starts from it and stops at it. */
  eosId: number | null;
  tensors: TensorEntry[];
  /** sha256 of tensors.bin, checked on load. */
  tensorsSha256: string;
  tensorsBytes: number;
  createdAt: string;
}

/** A named tensor to store: model weights as `param/<name>`, moments as `adam.m/<name>`, `adam.v/<name>`. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** `<out>/checkpoints`. */
export function checkpointsDir(out: string): string {
  return path.join(out, 'checkpoints');
}

function stepDirName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

async function writeSynced(file: string, data: Uint8Array | string): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r').catch(() => undefined);
  if (handle === undefined) return;
  try {
    await handle.sync();
  } catch {
    // some filesystems cannot sync a directory; the rename is still atomic
  } finally {
    await handle.close();
  }
}

/**
 * Writes a checkpoint atomically: every file goes into `.tmp-step-N-<pid>/`, is fsync'd, and the
 * directory is renamed to `step-N` only when complete, so a SIGKILL at any moment leaves either the
 * previous checkpoints alone or the new one whole. Older checkpoints beyond `keep` are then deleted.
 * Memory: the tensors are copied to JS one at a time (the largest is the embedding, V·d floats).
 */
export async function saveCheckpoint(
  out: string,
  meta: Omit<CheckpointManifest, 'format' | 'version' | 'tensors' | 'tensorsSha256' | 'tensorsBytes' | 'createdAt'>,
  tensors: NamedTensor[],
  keep: number,
): Promise<string> {
  const root = checkpointsDir(out);
  await makeDirs(root);
  const final = path.join(root, stepDirName(meta.step));
  const tmp = path.join(root, `.tmp-${stepDirName(meta.step)}-${process.pid}`);
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(tmp);

  const entries: TensorEntry[] = [];
  const hash = createHash('sha256');
  const handle = await fs.open(path.join(tmp, TENSORS), 'w');
  let offset = 0;
  try {
    for (const { name, tensor } of tensors) {
      const values = (await tensor.data()) as Float32Array;
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      await handle.write(bytes);
      hash.update(bytes);
      entries.push({ name, shape: tensor.shape.slice(), offset });
      offset += bytes.byteLength;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  const manifest: CheckpointManifest = {
    format: FORMAT,
    version: VERSION,
    ...meta,
    tensors: entries,
    tensorsSha256: hash.digest('hex'),
    tensorsBytes: offset,
    createdAt: new Date().toISOString(),
  };
  await writeSynced(path.join(tmp, MANIFEST), JSON.stringify(manifest, null, 1) + '\n');
  await fsyncDir(tmp);

  // A checkpoint of this step may exist (a resumed run re-saving the step it resumed from): move
  // it aside first, since rename cannot replace a non-empty directory.
  const aside = `${final}.old-${process.pid}`;
  const hadOld = await fs.rename(final, aside).then(() => true, () => false);
  await fs.rename(tmp, final);
  await fsyncDir(root);
  if (hadOld) await fs.rm(aside, { recursive: true, force: true });
  await pruneCheckpoints(root, keep);
  return final;
}

async function pruneCheckpoints(root: string, keep: number): Promise<void> {
  const steps = (await listStepDirs(root)).slice(0, -keep);
  for (const name of steps) await fs.rm(path.join(root, name), { recursive: true, force: true });
}

async function listStepDirs(root: string): Promise<string[]> {
  const names = await fs.readdir(root).catch(() => [] as string[]);
  return names.filter((n) => STEP_DIR.test(n)).sort();
}

/** A checkpoint read back: its manifest and every tensor's values. */
export interface LoadedCheckpoint {
  dir: string;
  manifest: CheckpointManifest;
  tensors: Map<string, { shape: number[]; values: Float32Array }>;
}

/** Reads and verifies one checkpoint directory. */
export async function readCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const manifestPath = path.join(dir, MANIFEST);
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(await fs.readFile(manifestPath, 'utf8')) as CheckpointManifest;
  } catch (err) {
    throw new CheckpointError(`cannot read ${manifestPath}: ${(err as Error).message}`, manifestPath, { cause: err });
  }
  if (manifest.format !== FORMAT || manifest.version > VERSION) {
    throw new CheckpointError(`${manifestPath} is not a kiln checkpoint of version <= ${VERSION}`, manifestPath);
  }
  const binPath = path.join(dir, TENSORS);
  const bytes = await fs.readFile(binPath).catch((err: unknown) => {
    throw new CheckpointError(`cannot read ${binPath}: ${(err as Error).message}`, binPath, { cause: err });
  });
  if (bytes.byteLength !== manifest.tensorsBytes || createHash('sha256').update(bytes).digest('hex') !== manifest.tensorsSha256) {
    throw new CheckpointError(`${binPath} does not match the checksum in ${MANIFEST}`, binPath);
  }
  const tensors = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const entry of manifest.tensors) {
    const count = entry.shape.reduce((a, b) => a * b, 1);
    // Copy out so the values are 4-byte aligned whatever the Buffer pool offset is.
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset + entry.offset, bytes.byteOffset + entry.offset + count * 4));
    tensors.set(entry.name, { shape: entry.shape, values });
  }
  return { dir, manifest, tensors };
}

/**
 * The newest checkpoint under `<out>/checkpoints` that reads back whole, or undefined. A damaged
 * newest one (disk trouble; the atomic rename rules out a torn write) falls back to the one before.
 * With `clean` (the trainer, which owns the directory), leftover `.tmp-*` directories of a killed
 * writer are deleted; a reader such as `kiln sample` leaves them, as a live run may be writing one.
 */
export async function latestCheckpoint(
  out: string,
  options: { clean?: boolean; onSkip?: (dir: string, err: unknown) => void } = {},
): Promise<LoadedCheckpoint | undefined> {
  const root = checkpointsDir(out);
  if (options.clean === true) {
    const names = await fs.readdir(root).catch(() => [] as string[]);
    for (const name of names) {
      const full = path.join(root, name);
      if (name.startsWith('.tmp-')) await fs.rm(full, { recursive: true, force: true });
      else if (name.includes('.old-')) {
        // Killed between moving an old step-N aside and renaming the new one in: restore the old one.
        const original = path.join(root, name.slice(0, name.indexOf('.old-')));
        const restored = await fs.rename(full, original).then(() => true, () => false);
        if (!restored) await fs.rm(full, { recursive: true, force: true });
      }
    }
  }
  const steps = await listStepDirs(root);
  for (let i = steps.length - 1; i >= 0; i--) {
    const dir = path.join(root, steps[i]!);
    try {
      return await readCheckpoint(dir);
    } catch (err) {
      options.onSkip?.(dir, err);
    }
  }
  return undefined;
}

/** Accepts a run directory, its checkpoints/ folder, or one step-N directory; returns the checkpoint. */
export async function resolveCheckpoint(target: string): Promise<LoadedCheckpoint> {
  const stat = await fs.stat(path.join(target, MANIFEST)).catch(() => undefined);
  if (stat?.isFile()) return readCheckpoint(target);
  const base = path.basename(target) === 'checkpoints' ? path.dirname(target) : target;
  const found = await latestCheckpoint(base);
  if (found === undefined) throw new CheckpointError(`no usable checkpoint in ${target}`, target);
  return found;
}
