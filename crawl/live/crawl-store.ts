// The crawl's persistent state: seen-set + per-URL record (state, depth, validators, version)
// and the frontier order, in LMDB under <out>/_kiln/crawl/.
//
// Why LMDB (lmdb@3.5.6) and not SQLite: lmdb ships a prebuilt binary and installs offline in
// 3.6 s here, while better-sqlite3@12 has no usable prebuilt on this network and compiles with
// node-gyp for 106 s on every fresh install (docs/dependencies.md). LMDB also fits the
// access pattern: sync point reads of the seen-set on every discovered link (memory-mapped, no
// I/O), writes batched off-thread, and crash safety with fsync'd commits.
//
// Exactly-once with the dataset: every fetched URL is written with the number of the dataset
// batch its document goes into. Before batch N is committed to the dataset, the store is
// flushed to disk; the dataset commit record then holds N. On resume, URLs fetched in batches
// after the last committed one are put back into the frontier (with the validators they had
// before), so a SIGKILL refetches only what was not committed, and nothing is written twice.
import { promises as fs } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import { makeDirs } from '../../core/make-dirs.js';

/** Validators and version of the last committed copy of a page. */
export interface PageState {
  etag: string | null;
  lastModified: string | null;
  /** Version number of the last stored document (0: none stored yet). */
  version: number;
  /** Content hash of the last stored text, to spot 200s with unchanged content. */
  hash: string | null;
}

/** What the store knows about one canonical URL. */
export interface UrlRecord extends PageState {
  state: 'queued' | 'fetched';
  depth: number;
  /** Frontier position (breadth-first order). */
  seq: number;
  /** Dataset batch the fetch outcome went into (state 'fetched'). */
  batch: number;
  /** Page state before the uncommitted fetch, restored when that fetch is rolled back. */
  prev?: PageState;
}

/** A URL taken from the frontier. */
export interface QueuedUrl {
  url: string;
  record: UrlRecord;
}

/** The LMDB-backed frontier and seen-set of one crawl output. */
export class CrawlStore {
  private nextSeq: number;
  private takeFrom = 0;
  // Writes since the last flush live only here (bounded by the writes of one commit interval)
  // and reach LMDB in one transaction at the next flush: LMDB's per-write cost (encoding, a
  // write batch per event-loop turn) was a tenth of a small crawl's CPU, a URL is written
  // twice (queued, fetched) and a frontier slot put and removed within one interval never
  // touches LMDB. Durability is unchanged: nothing written after the last flush counts on resume.
  private overlay = new Map<string, UrlRecord>();
  // Frontier slots to put (url) or remove (null) at the next flush.
  private queueOps = new Map<number, string | null>();
  private flushing: Array<Map<string, UrlRecord>> = [];
  // Frontier entries queued since the last flush, in seq order. LMDB commits writes in order,
  // so the queue entries a read can see are a prefix of the seqs; `take` continues past that
  // prefix from here. Bounded by one commit interval's discoveries: a flush drops what it made visible.
  private recent: Array<{ seq: number; url: string }> = [];

  private constructor(private readonly root: RootDatabase, private readonly urls: Database<UrlRecord, string>, private readonly queue: Database<string, number>) {
    this.nextSeq = (root.get('nextSeq') as number | undefined) ?? 1;
  }

  /** Opens (creating) the store in `dir`. */
  static async open(dir: string): Promise<CrawlStore> {
    await makeDirs(dir);
    const root = open({ path: dir, maxDbs: 4, compression: false });
    const urls = root.openDB<UrlRecord, string>({ name: 'urls' });
    const queue = root.openDB<string, number>({ name: 'queue', keyEncoding: 'uint32' });
    return new CrawlStore(root, urls, queue);
  }

  /** The record of `url`, including writes not yet committed. */
  get(url: string): UrlRecord | undefined {
    const hit = this.overlay.get(url);
    if (hit) return hit;
    for (let i = this.flushing.length - 1; i >= 0; i--) {
      const r = this.flushing[i].get(url);
      if (r) return r;
    }
    return this.urls.get(url);
  }

  private write(url: string, rec: UrlRecord): void {
    this.overlay.set(url, rec);
  }

  /** Adds `url` to the frontier unless it was seen before; returns whether it was added. */
  enqueue(url: string, depth: number): boolean {
    if (this.get(url)) return false;
    const seq = this.nextSeq++;
    this.write(url, { state: 'queued', depth, seq, batch: 0, etag: null, lastModified: null, version: 0, hash: null });
    this.queueOps.set(seq, url);
    this.recent.push({ seq, url });
    return true;
  }

  /** Takes up to `n` URLs from the frontier head (breadth-first order). */
  async take(n: number): Promise<QueuedUrl[]> {
    const out: QueuedUrl[] = [];
    for (const { key, value } of this.queue.getRange({ start: this.takeFrom, limit: n })) {
      this.takeFrom = key + 1;
      this.accept(key, value, out);
    }
    // Past what LMDB shows: the not yet committed tail, from memory.
    let i = 0;
    while (i < this.recent.length && this.recent[i].seq < this.takeFrom) i++;
    for (; i < this.recent.length && out.length < n; i++) {
      const { seq, url } = this.recent[i];
      this.takeFrom = seq + 1;
      this.accept(seq, url, out);
    }
    this.recent.splice(0, i);
    return out;
  }

  private accept(seq: number, url: string, out: QueuedUrl[]): void {
    // A slot put since the last flush is simply not written; an older one is removed at the next flush.
    if (typeof this.queueOps.get(seq) === 'string') this.queueOps.delete(seq);
    else this.queueOps.set(seq, null);
    const record = this.get(url);
    // A URL queued twice by a rebuild, or already settled, is skipped.
    if (record && record.state === 'queued' && record.seq === seq) out.push({ url, record });
  }

  /** Records the outcome of fetching `url` as part of dataset batch `batch`. */
  markFetched(url: string, batch: number, page: PageState): void {
    const old = this.get(url);
    if (!old) throw new Error(`crawl store: ${url} was never queued`);
    const prev: PageState = { etag: old.etag, lastModified: old.lastModified, version: old.version, hash: old.hash };
    this.write(url, { ...old, ...page, state: 'fetched', batch, prev });
  }

  /** Makes every write so far durable (call before committing the dataset batch they belong to). */
  async flush(): Promise<void> {
    const snapshot = this.overlay;
    const queueOps = this.queueOps;
    const visibleBelow = this.nextSeq;
    this.overlay = new Map();
    this.queueOps = new Map();
    this.flushing.push(snapshot);
    try {
      await this.root.transaction(() => {
        for (const [url, rec] of snapshot) void this.urls.put(url, rec);
        for (const [seq, url] of queueOps) void (url === null ? this.queue.remove(seq) : this.queue.put(seq, url));
        void this.root.put('nextSeq', visibleBelow);
      });
      await this.root.flushed;
    } finally {
      // Everything in the snapshot is now readable from LMDB itself.
      this.flushing.splice(this.flushing.indexOf(snapshot), 1);
    }
    // Reads must see the flushed commit (lmdb-js may hold an older read snapshot).
    this.queue.resetReadTxn();
    this.urls.resetReadTxn();
    let drop = 0;
    while (drop < this.recent.length && this.recent[drop].seq < visibleBelow) drop++;
    this.recent.splice(0, drop);
  }

  /**
   * Rebuilds the frontier after a restart: queued URLs, and URLs fetched in batches after
   * `committedBatch` (rolled back to the state they had before). With `requeueAll` (a new crawl
   * generation) every fetched URL is queued again, to be revalidated with a conditional GET.
   */
  async rebuild(committedBatch: number, requeueAll: boolean): Promise<{ queued: number; rolledBack: number }> {
    await this.queue.clearAsync();
    let queued = 0;
    let rolledBack = 0;
    let maxSeq = 0;
    for (const { key, value } of this.urls.getRange()) {
      let rec = value;
      maxSeq = Math.max(maxSeq, rec.seq);
      if (rec.state === 'fetched' && rec.batch > committedBatch) {
        rec = { ...rec, ...(rec.prev ?? {}), state: 'queued', prev: undefined };
        rolledBack++;
      } else if (rec.state === 'fetched' && requeueAll) {
        rec = { ...rec, state: 'queued', prev: undefined };
      }
      if (rec.state !== 'queued') continue;
      // Keep discovery order across restarts: the old seq is reused.
      if (rec !== value) void this.urls.put(key, rec);
      void this.queue.put(rec.seq, key);
      queued++;
    }
    await this.urls.committed;
    await this.queue.committed;
    this.overlay.clear();
    this.queueOps.clear();
    this.flushing = [];
    this.recent = [];
    this.takeFrom = 0;
    // The persisted counter can lag records made durable by later LMDB commits; reusing a seq
    // would overwrite another URL's frontier slot, so it restarts past the largest seq seen.
    this.nextSeq = Math.max(this.nextSeq, maxSeq + 1);
    return { queued, rolledBack };
  }

  /** Number of URLs ever seen. */
  get size(): number {
    return this.urls.getCount();
  }

  /** Flushes and closes the environment. */
  async close(): Promise<void> {
    await this.flush();
    await this.root.close();
  }
}
