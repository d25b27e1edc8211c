// Worker-thread entry: runs tasks of planned datasets one after another, as the main thread
// sends them, and reports back. One thread serves many tasks, so the stage's modules (Arrow,
// parquet-wasm, tokenizers, ...) load once per thread instead of once per task.
import { parentPort } from 'node:worker_threads';
import { readManifest } from './dataset-manifest.js';
import { KilnError } from './errors.js';
import { loadStage } from './load-stage.js';
import { createLogger } from './log.js';
import { runTask } from './run-task.js';
import { markTaskWorker } from './task-worker-flag.js';
import type { StageDefinition } from './stage.js';

/** Messages a task worker posts to the main thread. */
export type WorkerMessage =
  | { type: 'progress'; rows: number; bytes: number }
  | { type: 'log'; line: string }
  | { type: 'done'; task: number; stopped: boolean }
  | { type: 'error'; task: number; error: { name: string; code: string; message: string; path?: string; record?: string | number; key?: string; stack?: string } };

/** Messages the main thread posts to a task worker. */
export type WorkerRequest = { type: 'run'; out: string; task: number } | { type: 'abort' } | { type: 'close' };

const port = parentPort!;
markTaskWorker();
let abort = new AbortController();
let stopping = false;
const stages = new Map<string, Promise<StageDefinition<unknown>>>();
// Log lines go to the main thread, which prints them around its progress bar.
const log = createLogger({}, (line) => port.postMessage({ type: 'log', line } satisfies WorkerMessage));

let pendingRows = 0;
let pendingBytes = 0;
let lastFlush = 0;
function flushProgress(force = false): void {
  const now = Date.now();
  if (!force && now - lastFlush < 200) return;
  lastFlush = now;
  if (pendingRows || pendingBytes) port.postMessage({ type: 'progress', rows: pendingRows, bytes: pendingBytes } satisfies WorkerMessage);
  pendingRows = 0;
  pendingBytes = 0;
}

async function run(out: string, task: number): Promise<void> {
  abort = new AbortController();
  if (stopping) abort.abort();
  try {
    const manifest = await readManifest(out);
    if (!manifest) throw new Error(`no dataset.json in ${out}`);
    const key = `${manifest.module}\u0000${manifest.stage}`;
    let stage = stages.get(key);
    if (!stage) stages.set(key, (stage = loadStage(manifest.module, manifest.stage)));
    const done = await runTask(await stage, manifest, out, task, {
      progress: (rows, bytes) => {
        pendingRows += rows;
        pendingBytes += bytes;
        flushProgress();
      },
      log,
      signal: abort.signal,
    });
    flushProgress(true);
    port.postMessage({ type: 'done', task, stopped: !done } satisfies WorkerMessage);
  } catch (err) {
    flushProgress(true);
    const e = err as KilnError;
    port.postMessage({
      type: 'error',
      task,
      error: { name: e?.name ?? 'Error', code: e?.code ?? 'KILN_INTERNAL', message: e?.message ?? String(err), path: e?.path, record: e?.record, key: e?.key, stack: e?.stack },
    } satisfies WorkerMessage);
  }
}

port.on('message', (m: WorkerRequest) => {
  if (m.type === 'abort') {
    stopping = true;
    abort.abort();
  } else if (m.type === 'close') {
    // The 'message' listener would keep this thread alive forever.
    port.close();
  } else if (m.type === 'run') {
    void run(m.out, m.task);
  }
});
