import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../core/atomic-file.js';
import type { AdapterDescription } from './webgpu-adapter.js';

/** One optimizer step, as written to metrics.jsonl. */
export interface StepRecord {
  step: number;
  loss: number;
  lr: number;
  tokens_per_s: number;
  /** Time the step spent awaiting batches from the loader. */
  data_wait_ms: number;
  /** Forward, backward and update time. */
  compute_ms: number;
  /** Global gradient norm before clipping. */
  grad_norm: number;
}

/** One evaluation on the val split. */
export interface EvalRecord {
  step: number;
  val_loss: number;
  val_perplexity: number;
  val_tokens: number;
}

/** What a process ran on (backend, adapter), written once when it starts (or resumes) training at `step`. */
export interface BackendRecord {
  step: number;
  backend: string;
  /** The WebGPU adapter (vendor, architecture, device, driver); null off WebGPU. */
  adapter: AdapterDescription | null;
  /** Why `--backend auto` passed over each faster backend. */
  backend_skipped: { name: string; reason: string }[];
}

export type MetricsRecord = StepRecord | EvalRecord | BackendRecord;

/** True for a step line (as opposed to an eval or run line). */
export function isStepRecord(r: MetricsRecord): r is StepRecord {
  return 'loss' in r;
}

/** True for an eval line. */
export function isEvalRecord(r: MetricsRecord): r is EvalRecord {
  return 'val_loss' in r;
}

/** Reads metrics.jsonl (a torn last line from a kill is skipped). */
export async function readMetrics(file: string): Promise<MetricsRecord[]> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const records: MetricsRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as MetricsRecord);
    } catch {
      // only the last line can be torn, by a kill mid-append
    }
  }
  return records;
}

/**
 * Append-only metrics.jsonl. Opening it for a resumed run first drops every line after the
 * checkpoint's step (the killed run may have got further), so the file equals an uninterrupted run's.
 */
export class MetricsLog {
  private constructor(
    readonly file: string,
    private handle: fs.FileHandle,
  ) {}

  /** Opens the log; `keepUpTo` undefined starts it empty, a number keeps lines with step <= it. */
  static async open(file: string, keepUpTo: number | undefined): Promise<MetricsLog> {
    const kept = keepUpTo === undefined ? [] : (await readMetrics(file)).filter((r) => r.step <= keepUpTo);
    await writeFileAtomic(file, kept.map((r) => JSON.stringify(r) + '\n').join(''));
    return new MetricsLog(file, await fs.open(file, 'a'));
  }

  /** Appends one record (no fsync: losing the tail to a crash is fixed by the resume truncation). */
  async write(record: MetricsRecord): Promise<void> {
    await this.handle.write(JSON.stringify(record) + '\n');
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.handle.close();
  }
}
