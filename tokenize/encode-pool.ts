// A pool of encode workers, one per core by default, each loading the tokenizer once. Batches
// go to the worker with the least work queued; callers await results in submission order, so
// output order never depends on which worker finishes first.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { KilnError } from '../core/errors.js';
import type { EncodedPart } from '../core/task-writer.js';
import type { EncodeReply, EncodeRequest } from './encode-worker.js';
import { JsonlBatchError, type BatchPlace } from './jsonl-documents.js';
import type { TokenizerInfo } from './tokenizer.js';
import { workerExecArgv } from '../core/worker-exec-argv.js';

type Result = Extract<EncodeReply, { type: 'result' | 'part' }>;

/** The documents of one part: whole JSONL lines for the worker to parse, or texts with their ids. */
export type PartInput = { jsonl: Uint8Array; idField: string; textField: string; place?: BatchPlace } | { ids: string[]; texts: readonly string[] };

/** One part of a tokens dataset, encoded as Parquet by a worker: what TaskWriter.commitPart takes, plus counts. */
export interface EncodedPartResult extends EncodedPart {
  tokens: number;
  /** Lines the JSONL input spanned, blank ones included (JSONL input only). */
  lines?: number;
}

interface Pending {
  resolve(result: Result): void;
  reject(err: Error): void;
  worker: PoolWorker;
  onProgress?: (done: number) => void;
}

interface PoolWorker {
  worker: Worker;
  queued: number;
}

const utf8 = new TextEncoder();

/** Encodes batches of texts on worker threads. */
export class EncodePool {
  readonly size: number;
  readonly info: Promise<TokenizerInfo>;
  private readonly workers: PoolWorker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failed?: Error;

  constructor(tokenizer: string, size = os.availableParallelism()) {
    this.size = Math.max(1, size);
    let ready!: (info: TokenizerInfo) => void;
    let notReady!: (err: Error) => void;
    this.info = new Promise((res, rej) => {
      ready = res;
      notReady = rej;
    });
    // Never left unhandled: callers that submit work see the same error on their batches.
    this.info.catch(() => undefined);
    for (let i = 0; i < this.size; i++) {
      // Loading counts as one queued job: a loading worker keeps the process alive, so awaiting
      // `info` alone (with no batch sent yet) cannot end the process early.
      const w: PoolWorker = { worker: new Worker(new URL('./encode-worker.js', import.meta.url), { workerData: { tokenizer }, execArgv: workerExecArgv() }), queued: 1 };
      w.worker.on('message', (m: EncodeReply) => {
        if (m.type === 'ready') {
          ready(m.info);
          this.release(w);
        } else if (m.type === 'progress') this.pending.get(m.id)?.onProgress?.(m.done);
        else if (m.type === 'result' || m.type === 'part') this.settle(m.id, undefined, m);
        else if (m.id < 0) this.fail(new KilnError(m.code, m.message), notReady);
        else this.settle(m.id, m.line !== undefined ? new JsonlBatchError(m.message, m.line, m.key) : new KilnError(m.code, m.message));
      });
      w.worker.on('error', (err) => this.fail(new KilnError('KILN_TOKENIZE_WORKER', `encode worker crashed: ${err.message}`), notReady));
      w.worker.on('exit', (code) => {
        if (code !== 0) this.fail(new KilnError('KILN_TOKENIZE_WORKER', `encode worker exited with code ${code}`), notReady);
      });
      this.workers.push(w);
    }
  }

  /** False once a worker failed or the pool was closed. */
  get healthy(): boolean {
    return this.failed === undefined;
  }

  /** Token ids of each text (views into one buffer per batch). */
  async encode(texts: readonly string[]): Promise<Uint32Array[]> {
    if (this.failed) throw this.failed;
    const { text, ends } = utf8Batch(texts);
    const r = (await this.send({ text, ends })) as Extract<Result, { type: 'result' }>;
    return splitIds(r.tokens, r.ends);
  }

  /**
   * Tokenizes one part's documents on a worker and returns them as a Parquet part of the tokens
   * dataset. JSONL lines are transferred, not copied; a bad line rejects with a JsonlBatchError.
   * `onProgress` gets the share (0..1) of the part's text encoded so far, a few times a second.
   */
  async encodePart(input: PartInput, onProgress?: (done: number) => void): Promise<EncodedPartResult> {
    if (this.failed) throw this.failed;
    const r = 'jsonl' in input
      ? await this.send({ text: input.jsonl, ends: new Uint32Array(0), jsonl: { idField: input.idField, textField: input.textField, place: input.place }, part: {} }, onProgress)
      : await this.send({ ...utf8Batch(input.texts), part: { ids: input.ids } }, onProgress);
    const p = r as Extract<Result, { type: 'part' }>;
    return { data: p.data, rows: p.rows, tokens: p.tokens, lines: p.lines };
  }

  private send(req: Omit<EncodeRequest, 'id'>, onProgress?: (done: number) => void): Promise<Result> {
    const w = this.workers.reduce((a, b) => (b.queued < a.queued ? b : a));
    const id = this.nextId++;
    if (w.queued++ === 0) w.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: w, onProgress });
      const transfer = [req.text.buffer as ArrayBuffer, req.ends.buffer as ArrayBuffer];
      w.worker.postMessage({ ...req, id } satisfies EncodeRequest, transfer);
    });
  }

  private settle(id: number, err: Error | undefined, result?: Result): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.release(p.worker);
    if (err) p.reject(err);
    else p.resolve(result!);
  }

  /** One job of `w` is done; an idle worker must not keep the process alive. */
  private release(w: PoolWorker): void {
    // unref() also unrefs the worker's port, which each 'message' listener added refs again
    // (nodejs/node#53036): calling it here, after the listeners, is what lets the process exit.
    if (--w.queued === 0) w.worker.unref();
  }

  private fail(err: Error, notReady: (err: Error) => void): void {
    if (this.failed) return;
    this.failed = err;
    notReady(err);
    for (const [id] of this.pending) this.settle(id, err);
    void this.close();
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    this.failed ??= new KilnError('KILN_TOKENIZE_CLOSED', 'encode pool was closed');
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}

/** One UTF-8 buffer of `texts` and where each ends. Memory bound: one copy of the batch (at most 3 bytes per UTF-16 unit). */
function utf8Batch(texts: readonly string[]): { text: Uint8Array; ends: Uint32Array } {
  let cap = 0;
  for (const t of texts) cap += t.length * 3;
  const text = new Uint8Array(cap);
  const ends = new Uint32Array(texts.length);
  let at = 0;
  texts.forEach((t, i) => {
    at += utf8.encodeInto(t, text.subarray(at)).written;
    ends[i] = at;
  });
  return { text: text.slice(0, at), ends };
}

function splitIds(tokens: Uint32Array, ends: Uint32Array): Uint32Array[] {
  const out: Uint32Array[] = new Array(ends.length);
  let from = 0;
  for (let i = 0; i < ends.length; i++) {
    out[i] = tokens.subarray(from, ends[i]);
    from = ends[i];
  }
  return out;
}
