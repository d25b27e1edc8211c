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
import { writeStderrLine } from './stderr-status.js';
import type { WorkerMessage, WorkerRequest } from './task-worker.js';
import { workerExecArgv } from './worker-exec-argv.js';
import { makeDirs } from './make-dirs.js';

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
    await makeDirs(layout.failed(out));
    await writeFileAtomic(layout.failedMarker(out, task), JSON.stringify({ task, code: error.code, message: error.message, path: error.path, at: new Date().toISOString() }));
  } catch (err) {
    log.warn('failure_marker_not_written', { task, error: describeError(err) });
  }
}

/**
 * One worker thread that runs tasks one at a time. A task's failure is reported and the thread
 * serves the next one; a crash (the thread died) fails its task and the next task gets a fresh
 * thread.
 */
class TaskThread {
  private worker?: Worker;
  private current?: { task: number; resolve: (o: TaskOutcome) => void };
  started = 0;

  constructor(private readonly opts: LocalExecutorOptions) {}

  run(out: string, task: number): Promise<TaskOutcome> {
    const worker = this.worker ?? this.start();
    return new Promise((resolve) => {
      this.current = { task, resolve };
      worker.postMessage({ type: 'run', out, task } satisfies WorkerRequest);
    });
  }

  abort(): void {
    this.worker?.postMessage({ type: 'abort' } satisfies WorkerRequest);
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private settle(o: Omit<TaskOutcome, 'task'>): void {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    c.resolve({ task: c.task, ...o });
  }

  private start(): Worker {
    const worker = new Worker(new URL('./task-worker.js', import.meta.url), { execArgv: workerExecArgv() });
    this.started++;
    this.worker = worker;
    if (this.opts.signal?.aborted) worker.postMessage({ type: 'abort' } satisfies WorkerRequest);
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') this.opts.progress.add(m.rows, m.bytes);
      else if (m.type === 'log') writeStderrLine(m.line);
      else if (m.type === 'done') this.settle({ status: m.stopped ? 'stopped' : 'done' });
      else if (m.type === 'error') this.settle({ status: 'failed', error: toKilnError(m.error) });
    });
    const crashed = (why: string): void => {
      if (this.worker === worker) this.worker = undefined;
      const task = this.current?.task;
      this.settle({ status: 'failed', error: new KilnError('KILN_TASK_CRASHED', `task ${task} ${why}`) });
    };
    worker.on('error', (err) => crashed(`crashed: ${err.message}`));
    worker.on('exit', (code) => crashed(`worker exited with code ${code}`));
    return worker;
  }
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

/** What runTasksLocally did: each task's outcome, and how many worker threads it started. */
export interface LocalRun {
  outcomes: TaskOutcome[];
  workersStarted: number;
}

/**
 * Runs the given tasks on this machine: on worker threads (one per core by default, each serving
 * task after task), or in this thread when the stage is inline or one worker is asked for.
 * Worker threads rather than child processes: a SIGKILL of the run takes every task down with
 * it, so no orphan keeps writing while a resumed run works on the same task.
 */
export async function runTasksLocally(stage: StageDefinition<unknown>, manifest: DatasetManifest, out: string, tasks: number[], opts: LocalExecutorOptions): Promise<LocalRun> {
  const parallel = Math.max(1, Math.min(opts.workers ?? os.availableParallelism(), tasks.length));
  const inline = stage.inline || parallel === 1;
  const queue = [...tasks];
  const outcomes: TaskOutcome[] = [];
  const threads: TaskThread[] = [];
  const onAbort = (): void => threads.forEach((t) => t.abort());
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  async function lane(): Promise<void> {
    const thread = inline ? undefined : new TaskThread(opts);
    if (thread) threads.push(thread);
    for (let t = queue.shift(); t !== undefined; t = queue.shift()) {
      if (opts.signal?.aborted) {
        outcomes.push({ task: t, status: 'stopped' });
        continue;
      }
      const o = thread ? await thread.run(out, t) : await runHere(stage, manifest, out, t, opts);
      if (o.status === 'failed' && o.error) {
        opts.log.error('task_failed', { stage: stage.name, task: t, error: describeError(o.error) });
        await recordFailure(out, t, o.error, opts.log);
      }
      if (o.status === 'done') opts.progress.taskDone();
      outcomes.push(o);
    }
  }
  try {
    await Promise.all(Array.from({ length: inline ? 1 : parallel }, lane));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await Promise.all(threads.map((t) => t.close()));
  }
  return { outcomes: outcomes.sort((a, b) => a.task - b.task), workersStarted: threads.reduce((s, t) => s + t.started, 0) };
}
