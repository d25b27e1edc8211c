import { closeSync, openSync, promises as fs, readSync } from 'node:fs';
import { CorruptPartError, IoError } from '../../core/errors.js';
import type { ByteSource } from './byte-source.js';
import { readFullyAt } from '../../core/read-at.js';

/**
 * Reads up to this size are done synchronously. The source only runs on the loader's own worker
 * thread, which has nothing else to do meanwhile; an async read costs a libuv thread-pool round
 * trip (two thread wake-ups), which for a one-row read (a few KiB from the page cache) is most of
 * the cost and, on a loaded machine, up to ~0.5 ms (bench/loader: random windows of 32x64 ran at
 * 0.1 M tokens/s async). Larger reads (1-8 MiB record batches) stay async so that several are in
 * flight at once (row-reader's read-ahead) when they come from disk.
 */
const SYNC_READ_BYTES = 256 * 1024;

/** Positional reads from a local shard file (one open descriptor per shard). */
export class LocalFileSource implements ByteSource {
  private handle: Promise<fs.FileHandle> | undefined;
  private fd: number | undefined;
  /** True when `fd` belongs to `handle` (an already open file), which closes it. */
  private readonly fdOfHandle: boolean;

  /** `opened`: read this already open file (e.g. a spooled download) instead of opening `location`. */
  constructor(
    readonly location: string,
    opened?: fs.FileHandle,
  ) {
    this.fdOfHandle = opened !== undefined;
    if (opened) {
      this.handle = Promise.resolve(opened);
      this.fd = opened.fd;
    }
  }

  private openError(err: NodeJS.ErrnoException): Error {
    if (err.code === 'ENOENT') return new CorruptPartError(`shard is missing: ${this.location}`, { path: this.location });
    return new IoError(`cannot open shard ${this.location}: ${err.message}`, { path: this.location }, { cause: err });
  }

  private open(): Promise<fs.FileHandle> {
    this.handle ??= fs.open(this.location, 'r').catch((err: NodeJS.ErrnoException) => {
      this.handle = undefined;
      throw this.openError(err);
    });
    return this.handle;
  }

  private openSync(): number {
    if (this.fd === undefined) {
      try {
        this.fd = openSync(this.location, 'r');
      } catch (err) {
        throw this.openError(err as NodeJS.ErrnoException);
      }
    }
    return this.fd;
  }

  private truncated(offset: number, length: number, got: number): CorruptPartError {
    return new CorruptPartError(`shard ${this.location} is truncated: wanted bytes ${offset}-${offset + length}, file ends at ${offset + got}`, { path: this.location });
  }

  async size(): Promise<number> {
    return (await (await this.open()).stat()).size;
  }

  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    const out = into ? into.subarray(0, length) : new Uint8Array(length);
    let got = 0;
    if (length <= SYNC_READ_BYTES) {
      const fd = this.openSync();
      while (got < length) {
        let n: number;
        try {
          n = readSync(fd, out, got, length - got, offset + got);
        } catch (err) {
          throw new IoError(`cannot read shard ${this.location}: ${(err as Error).message}`, { path: this.location }, { cause: err });
        }
        if (n === 0) throw this.truncated(offset, length, got);
        got += n;
      }
      return out;
    }
    const fh = await this.open();
    got = await readFullyAt(fh, out, offset, length);
    if (got < length) throw this.truncated(offset, length, got);
    return out;
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (this.fd !== undefined && !this.fdOfHandle) closeSync(this.fd);
    this.fd = undefined;
    if (h) await (await h.catch(() => undefined))?.close();
  }
}
