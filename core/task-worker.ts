// Worker-thread entry: runs one task of a planned dataset and reports back to the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { readManifest } from './dataset-manifest.js';
import { KilnError } from './errors.js';
import { loadStage } from './load-stage.js';
import { createLogger } from './log.js';
import { runTask } from './run-task.js';

/** Messages a task worker posts to the main thread. */
export type WorkerMessage =
  | { type: 'progress'; rows: number; bytes: number }
  | { type: 'done'; stopped: boolean }
  | { type: 'error'; error: { name: string; code: string; message: string; path?: string; record?: string | number; key?: string; stack?: string } };

interface Input {
  out: string;
  task: number;
}

const { out, task } = workerData as Input;
const port = parentPort!;
const abort = new AbortController();
port.on('message', (m: { type: string }) => {
  if (m.type === 'abort') abort.abort();
});

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

try {
  const manifest = await readManifest(out);
  if (!manifest) throw new Error(`no dataset.json in ${out}`);
  const stage = await loadStage(manifest.module, manifest.stage);
  const done = await runTask(stage, manifest, out, task, {
    progress: (rows, bytes) => {
      pendingRows += rows;
      pendingBytes += bytes;
      flushProgress();
    },
    log: createLogger(),
    signal: abort.signal,
  });
  flushProgress(true);
  port.postMessage({ type: 'done', stopped: !done } satisfies WorkerMessage);
} catch (err) {
  const e = err as KilnError;
  port.postMessage({
    type: 'error',
    error: { name: e?.name ?? 'Error', code: e?.code ?? 'KILN_INTERNAL', message: e?.message ?? String(err), path: e?.path, record: e?.record, key: e?.key, stack: e?.stack },
  } satisfies WorkerMessage);
} finally {
  // The 'message' listener would keep this thread alive forever.
  port.close();
}
