import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from './atomic-file.js';
import { layout } from './dataset-layout.js';
import type { DatasetManifest } from './dataset-manifest.js';
import { KilnError, describeError } from './errors.js';
import type { Logger } from './log.js';
import type { Progress } from './progress.js';
import { runTask } from './run-task.js';
import type { StageDefinition } from './stage.js';
import type { WorkerMessage } from './task-worker.js';
import { workerExecArgv } from './worker-exec-argv.js';

/** How a task ended. */
export interface TaskOutcome {
  task: number;
  status: 'done' | 'stopped' | 'failed';
  error?: KilnError;
}

export interface LocalExecutorOptions {
  /** Parallel tasks; default one per core. 1 runs tasks in this thread. */
  workers?: number;
  signal?: AbortSignal;
  progress: Progress;
  log: Logger;
}

function toKilnError(e: { code: string; message: string; path?: string; record?: string | number; key?: string }): KilnError {
  return new KilnError(e.code, e.message, { path: e.path, record: e.record, key: e.key });
}

async function recordFailure(out: string, task: number, error: KilnError, log: Logger): Promise<void> {
  // Best effort: on a full disk the marker cannot be written either, and the task's own error
  // is the one to report.
  try {
    await fs.mkdir(layout.failed(out), { recursive: true });
    await writeFileAtomic(layout.failedMarker(out, task), JSON.stringify({ task, code: error.code, message: error.message, path: error.path, at: new Date().toISOString() }));
  } catch (err) {
    log.warn('failure_marker_not_written', { task, error: describeError(err) });
  }
}

function runInWorker(out: string, task: number, opts: LocalExecutorOptions): Promise<TaskOutcome> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./task-worker.js', import.meta.url), { workerData: { out, task }, execArgv: workerExecArgv() });
    let settled = false;
    const onAbort = (): void => worker.postMessage({ type: 'abort' });
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (o: TaskOutcome): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      // The worker's parentPort listener keeps it (and so this process) alive after its task.
      void worker.terminate();
      resolve(o);
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') opts.progress.add(m.rows, m.bytes);
      else if (m.type === 'done') finish({ task, status: m.stopped ? 'stopped' : 'done' });
      else if (m.type === 'error') finish({ task, status: 'failed', error: toKilnError(m.error) });
    });
    worker.on('error', (err) => finish({ task, status: 'failed', error: new KilnError('KILN_TASK_CRASHED', `task ${task} crashed: ${err.message}`) }));
    worker.on('exit', (code) => finish({ task, status: 'failed', error: new KilnError('KILN_TASK_CRASHED', `task ${task} worker exited with code ${code}`) }));
  });
}

async function runHere(stage: StageDefinition<unknown>, manifest: DatasetManifest, out: string, task: number, opts: LocalExecutorOptions): Promise<TaskOutcome> {
  const signal = opts.signal ?? new AbortController().signal;
  try {
    const done = await runTask(stage, manifest, out, task, { progress: (r, b) => opts.progress.add(r, b), log: opts.log, signal });
    return { task, status: done ? 'done' : 'stopped' };
  } catch (err) {
    const error = err instanceof KilnError ? err : new KilnError((err as NodeJS.ErrnoException)?.code ?? 'KILN_INTERNAL', (err as Error)?.message ?? String(err));
    if (!(err instanceof KilnError) && process.env.KILN_DEBUG) console.error(err);
    return { task, status: 'failed', error };
  }
}

/**
 * Runs the given tasks on this machine: on worker threads (one per core by default), or in this
 * thread when the stage is inline or one worker is asked for. Worker threads rather than child
 * processes: a SIGKILL of the run takes every task down with it, so no orphan keeps writing
 * while a resumed run works on the same task.
 */
export async function runTasksLocally(stage: StageDefinition<unknown>, manifest: DatasetManifest, out: string, tasks: number[], opts: LocalExecutorOptions): Promise<TaskOutcome[]> {
  const parallel = Math.max(1, Math.min(opts.workers ?? os.availableParallelism(), tasks.length));
  const inline = stage.inline || parallel === 1;
  const queue = [...tasks];
  const outcomes: TaskOutcome[] = [];
  async function lane(): Promise<void> {
    for (let t = queue.shift(); t !== undefined; t = queue.shift()) {
      if (opts.signal?.aborted) {
        outcomes.push({ task: t, status: 'stopped' });
        continue;
      }
      const o = inline ? await runHere(stage, manifest, out, t, opts) : await runInWorker(out, t, opts);
      if (o.status === 'failed' && o.error) {
        opts.log.error('task_failed', { stage: stage.name, task: t, error: describeError(o.error) });
        await recordFailure(out, t, o.error, opts.log);
      }
      if (o.status === 'done') opts.progress.taskDone();
      outcomes.push(o);
    }
  }
  await Promise.all(Array.from({ length: inline ? 1 : parallel }, lane));
  return outcomes.sort((a, b) => a.task - b.task);
}
