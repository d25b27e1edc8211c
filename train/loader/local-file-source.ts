import { promises as fs } from 'node:fs';
import { CorruptPartError, IoError } from '../../core/errors.js';
import type { ByteSource } from './byte-source.js';

/** Positional reads from a local shard file (one open descriptor per shard). */
export class LocalFileSource implements ByteSource {
  private handle: Promise<fs.FileHandle> | undefined;

  constructor(readonly location: string) {}

  private open(): Promise<fs.FileHandle> {
    this.handle ??= fs.open(this.location, 'r').catch((err: NodeJS.ErrnoException) => {
      this.handle = undefined;
      if (err.code === 'ENOENT') throw new CorruptPartError(`shard is missing: ${this.location}`, { path: this.location });
      throw new IoError(`cannot open shard ${this.location}: ${err.message}`, { path: this.location }, { cause: err });
    });
    return this.handle;
  }

  async size(): Promise<number> {
    return (await (await this.open()).stat()).size;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const fh = await this.open();
    // A fresh buffer per read: it is transferred to the consumer side, never reused.
    const out = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(out, got, length - got, offset + got);
      if (bytesRead === 0) {
        throw new CorruptPartError(`shard ${this.location} is truncated: wanted bytes ${offset}-${offset + length}, file ends at ${offset + got}`, { path: this.location });
      }
      got += bytesRead;
    }
    return out;
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h.catch(() => undefined))?.close();
  }
}
