// Retries with exponential backoff for remote reads (S3 and HTTP): a server restart or a short
// network outage must cost a pause, not a training run.
import { KilnError } from './errors.js';

/** How often and how patiently to retry. */
export interface RetryOptions {
  /** Attempts after the first. */
  retries: number;
  /** First delay; doubles per attempt, capped at `maxDelayMs`. */
  backoffMs: number;
  maxDelayMs?: number;
  /** Whether an error is worth another attempt; default: everything but a KilnError other than KILN_IO. */
  retriable?: (err: unknown) => boolean;
}

function defaultRetriable(err: unknown): boolean {
  return !(err instanceof KilnError) || err.code === 'KILN_IO';
}

/** Runs `fn` until it succeeds or the retries are spent; throws the last error. */
export async function retryWithBackoff<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  const retriable = o.retriable ?? defaultRetriable;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= o.retries || !retriable(err)) throw err;
      await new Promise((r) => setTimeout(r, Math.min(o.maxDelayMs ?? 10_000, o.backoffMs * 2 ** attempt)));
    }
  }
}
