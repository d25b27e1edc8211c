// The trainer-facing side of the loader: starts the worker, keeps the bounded queue of decoded
// batches, measures how long the consumer waited, and turns positions into resumable state.
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { CorruptPartError, IoError, KilnError, UsageError } from '../../core/errors.js';
import { createHttpAgent } from './http-source.js';
import { loadIndex } from './index-location.js';
import { type Batch, type Loader, type LoaderCounters, type LoaderOptions, type LoaderState, loaderOptionsSchema } from './loader-types.js';
import type { FromWorker, ToWorker, WorkerStart } from './worker-protocol.js';
import { workerExecArgv } from '../../core/worker-exec-argv.js';
import { hashConfig } from '../../core/config-hash.js';

function toError(msg: { code: string; message: string; path?: string }): KilnError {
  if (msg.code === 'KILN_CORRUPT_PART') return new CorruptPartError(msg.message, { path: msg.path });
  if (msg.code === 'KILN_IO') return new IoError(msg.message, { path: msg.path });
  return new KilnError(msg.code, msg.message, { path: msg.path });
}

/** Opens a shards index (local or http(s)) and streams batches of `batchSize` rows for one rank. */
export async function createLoader(options: LoaderOptions): Promise<Loader> {
  const parsed = loaderOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`loader option ${issue.path.join('.')}: ${issue.message}`, { key: issue.path.join('.') });
  }
  const o = parsed.data;
  const st = o.state;
  if (st && (st.split !== o.split || st.rank !== o.rank || st.worldSize !== o.worldSize)) {
    throw new UsageError(`loader state is for split ${st.split}, rank ${st.rank}/${st.worldSize}; asked for ${o.split}, rank ${o.rank}/${o.worldSize}`, { key: 'state' });
  }
  if (o.rank >= o.worldSize) throw new UsageError(`rank ${o.rank} is not below worldSize ${o.worldSize}`, { key: 'rank' });

  const agent = createHttpAgent();
  const located = await loadIndex(o.index, { retries: o.retries, backoffMs: o.backoffMs, dispatcher: agent }).finally(() => agent.close());
  const index = located.index;
  if (index.layout !== 'arrow') {
    throw new UsageError(`${located.location} holds ${index.layout} files; the loader reads Arrow shards (kiln shard --format arrow)`, { path: located.location });
  }
  const seed = st?.seed ?? o.seed;
  const epoch = st?.epoch ?? o.epoch;
  const generations = st?.generations ?? index.generations.length;
  const rowLength = index.row_length;
  const shards = index.splits[o.split].shards;
  // Positions in a state count rows of exactly these shards; other bytes make them meaningless.
  const data = hashConfig(shards.filter((s) => s.generation < generations).map((s) => [s.file, s.checksum]));
  if (st?.data !== undefined && st.data !== data) {
    const takedown = index.generations.filter((g) => g.takedown).at(-1)?.takedown;
    throw new KilnError('KILN_DATA_CHANGED', `loader state does not match ${located.location}: the ${o.split} shards it was saved on changed${takedown ? ` (takedown ${takedown.id} rebuilt ${Object.keys(takedown.replaced).length} shard(s))` : ''}; start a new run (no resume) on the new data`, { path: located.location, key: 'state' });
  }

  const start: WorkerStart = {
    type: 'start',
    index,
    locations: shards.map((s) => located.shardLocation(s.file)),
    split: o.split,
    seed,
    epoch,
    rank: o.rank,
    worldSize: o.worldSize,
    generations,
    position: st?.position ?? 0,
    batchSize: o.batchSize,
    dropLast: o.dropLast,
    verify: o.verify,
    retries: o.retries,
    backoffMs: o.backoffMs,
  };

  const worker = new Worker(new URL('./loader-worker.js', import.meta.url), { execArgv: workerExecArgv() });
  // Batches come on their own channel so next() can take them synchronously
  // (receiveMessageOnPort): a consumer that blocks its thread for a whole training step must not
  // then wait an event-loop turn for a batch that arrived long ago.
  const channel = new MessageChannel();
  const queue: Array<FromWorker & { type: 'batch' }> = [];
  let ended = false;
  let failure: KilnError | undefined;
  let waiter: (() => void) | undefined;
  let closed = false;
  const counters: LoaderCounters = { batches: 0, tokens: 0, waitMs: 0, bytesRead: 0 };
  let position = start.position;
  let batches = st?.batches ?? 0;
  const send = (msg: ToWorker): void => worker.postMessage(msg);
  const wakeUp = (): void => {
    waiter?.();
    waiter = undefined;
  };

  const onMessage = (msg: FromWorker): void => {
    if (msg.type === 'batch') queue.push(msg);
    else if (msg.type === 'end') {
      ended = true;
      counters.bytesRead = msg.bytesRead;
    } else failure = toError(msg);
    wakeUp();
  };
  channel.port1.on('message', onMessage);
  const drain = (): void => {
    for (let m = receiveMessageOnPort(channel.port1); m; m = receiveMessageOnPort(channel.port1)) onMessage(m.message as FromWorker);
  };
  worker.on('error', (err) => {
    failure = err instanceof KilnError ? err : new KilnError('KILN_LOADER_WORKER', `loader worker failed: ${err.message}`);
    wakeUp();
  });
  worker.on('exit', () => {
    if (!ended && !closed && !failure) failure = new KilnError('KILN_LOADER_WORKER', 'loader worker exited unexpectedly');
    wakeUp();
  });
  worker.postMessage({ ...start, port: channel.port2 }, [channel.port2]);
  send({ type: 'credit', n: o.prefetch });
  // An idle loader must not keep the process alive; next() holds a ref while it waits.
  worker.unref();
  channel.port1.unref();

  const loader: Loader = {
    seqLen: index.seq_len,
    vocabSize: index.vocab_size,
    eosId: index.eos_id,
    tokenizer: index.tokenizer,
    async next(): Promise<Batch | null> {
      if (closed) throw new UsageError('loader is closed');
      if (queue.length === 0) drain();
      if (queue.length === 0 && !ended && !failure) {
        const t0 = performance.now();
        // While someone awaits a batch the worker must keep the process alive.
        worker.ref();
        channel.port1.ref();
        while (queue.length === 0 && !ended && !failure && !closed) await new Promise<void>((r) => (waiter = r));
        worker.unref();
        channel.port1.unref();
        counters.waitMs += performance.now() - t0;
      }
      const msg = queue.shift();
      if (!msg) {
        if (failure) throw failure;
        return null;
      }
      send({ type: 'credit', n: 1 });
      position = msg.position;
      batches++;
      counters.batches++;
      counters.tokens += msg.rows * index.seq_len;
      counters.bytesRead = Math.max(counters.bytesRead, msg.bytesRead);
      return { tokens: msg.tokens, batchSize: msg.rows, rowLength };
    },
    release(batch: Batch): void {
      if (closed) return;
      const buffer = batch.tokens.buffer;
      if (buffer.byteLength === 0) throw new UsageError('loader.release: this batch was released already (its tokens are detached)');
      if (buffer instanceof SharedArrayBuffer) throw new UsageError('loader.release: this batch does not come from a loader');
      worker.postMessage({ type: 'recycle', buffer } satisfies ToWorker, [buffer]);
    },
    state(): LoaderState {
      return { version: 1, split: o.split, seed, epoch, rank: o.rank, worldSize: o.worldSize, generations, position, batches, data };
    },
    counters(): LoaderCounters {
      return { ...counters };
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<Batch> {
      // `for await (const batch of loader)`: one epoch; leaving the loop early closes the loader.
      try {
        for (let b = await loader.next(); b !== null; b = await loader.next()) yield b;
      } finally {
        await loader.close();
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      wakeUp();
      send({ type: 'stop' });
      channel.port1.close();
      await worker.terminate();
    },
  };
  return loader;
}
