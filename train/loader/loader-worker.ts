// The loader's worker thread: all I/O, checksum checks and decoding happen here, so the
// trainer's thread only receives finished Int32Array batches (transferred, not copied).
// It runs at most `credit` batches ahead of the consumer: the prefetch queue bound.
import { type MessagePort, parentPort } from 'node:worker_threads';
import { KilnError } from '../../core/errors.js';
import { dtypeBytes } from '../../core/shard-index.js';
import { type ByteSource, isHttpLocation } from './byte-source.js';
import { planEpoch, splitChunks } from './epoch-plan.js';
import { HttpSource, createHttpAgent } from './http-source.js';
import { LocalFileSource } from './local-file-source.js';
import { RowReader } from './row-reader.js';
import { S3Buckets, S3Source } from './s3-source.js';
import { isS3Url } from '../../core/storage/s3-location.js';
import type { FromWorker, ToWorker, WorkerStart } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('loader-worker must run in a worker thread');

let credit = 0;
let wake: (() => void) | undefined;
let stopped = false;
let out: MessagePort | undefined;
/**
 * Batch buffers the consumer released. Bound: only buffers this worker allocated come back, and
 * it allocates only when this list is empty, so it never holds more than the most batches that
 * were out (queued or held by the consumer) at once.
 */
const released: ArrayBuffer[] = [];

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  (out ?? port!).postMessage(msg, transfer);
}

async function run(start: WorkerStart): Promise<void> {
  const agent = start.locations.some(isHttpLocation) ? createHttpAgent() : undefined;
  const buckets = new S3Buckets();
  const sources: ByteSource[] = start.locations.map((loc) =>
    isS3Url(loc)
      ? new S3Source(loc, buckets, { retries: start.retries, backoffMs: start.backoffMs })
      : isHttpLocation(loc)
        ? new HttpSource(loc, { retries: start.retries, backoffMs: start.backoffMs, dispatcher: agent! })
        : new LocalFileSource(loc),
  );
  const chunks = splitChunks(start.index, start.split, start.generations);
  const plan = planEpoch(chunks, start.seed, start.epoch, start.rank, start.worldSize);
  const rowLength = start.index.row_length;
  const reader = new RowReader({
    plan,
    shards: start.index.splits[start.split].shards,
    sources,
    rowLength,
    tokenBytes: dtypeBytes(start.index.dtype),
    seed: start.seed,
    epoch: start.epoch,
    verify: start.verify,
    readAhead: 2,
  });
  try {
    let position = start.position;
    const sliceEnd = plan.hi - plan.lo;
    while (!stopped) {
      const rows = Math.min(start.batchSize, sliceEnd - position);
      if (rows <= 0 || (start.dropLast && rows < start.batchSize)) break;
      const bytes = rows * rowLength * 4;
      const spare = released.length > 0 && released[released.length - 1].byteLength === bytes ? released.pop() : undefined;
      const tokens = spare ? new Int32Array(spare) : new Int32Array(rows * rowLength);
      await reader.readRows(plan.lo + position, rows, tokens);
      position += rows;
      while (credit <= 0 && !stopped) await new Promise<void>((r) => (wake = r));
      if (stopped) break;
      credit--;
      post({ type: 'batch', tokens, rows, position, bytesRead: reader.bytesRead }, [tokens.buffer as ArrayBuffer]);
    }
    if (!stopped) post({ type: 'end', bytesRead: reader.bytesRead });
  } finally {
    await reader.close();
    await agent?.close();
    await buckets.close();
  }
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'start') {
    out = msg.port;
    run(msg).catch((err: unknown) => {
      const e = err as KilnError;
      post({ type: 'error', code: err instanceof KilnError ? e.code : (e?.code ?? 'KILN_INTERNAL'), message: String(e?.message ?? err), path: e?.path });
    });
  } else if (msg.type === 'credit') {
    credit += msg.n;
    wake?.();
    wake = undefined;
  } else if (msg.type === 'recycle') {
    released.push(msg.buffer);
  } else if (msg.type === 'stop') {
    stopped = true;
    wake?.();
    wake = undefined;
  }
});
