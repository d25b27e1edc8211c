// Storage on a local directory: writes go to a temporary name, are fsync'd and renamed into
// place, so a reader (or a SIGKILL) never sees half an object, as on S3.
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { CorruptPartError, IoError } from '../errors.js';
import type { ObjectInfo, Storage, WriteBody } from './storage.js';
import { readFullyAt } from '../read-at.js';

const TMP_MARK = '.tmp-';

function toReadable(body: WriteBody): Readable {
  if (typeof body === 'string' || body instanceof Uint8Array) return Readable.from([typeof body === 'string' ? Buffer.from(body) : body]);
  return body instanceof Readable ? body : Readable.from(body);
}

/** A directory as Storage. */
export class LocalStorage implements Storage {
  constructor(readonly root: string, readonly url: string = root) {}

  private file(key: string): string {
    return path.join(this.root, ...key.split('/'));
  }

  private async info(key: string): Promise<ObjectInfo | undefined> {
    const st = await fs.stat(this.file(key)).catch(() => undefined);
    if (!st || !st.isFile()) return undefined;
    return { key, size: st.size, etag: `${st.size}-${Math.round(st.mtimeMs)}` };
  }

  async *list(prefix = ''): AsyncIterable<ObjectInfo> {
    const keys: string[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const key = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) {
          // Only descend where the prefix can still match.
          if (prefix.startsWith(`${key}/`) || key.startsWith(prefix) || `${key}/`.startsWith(prefix)) await walk(path.join(dir, e.name), key);
        } else if (e.isFile() && key.startsWith(prefix) && !e.name.includes(TMP_MARK)) {
          keys.push(key);
        }
      }
    };
    await walk(this.root, '');
    keys.sort();
    for (const key of keys) {
      const i = await this.info(key);
      if (i) yield i;
    }
  }

  stat(key: string): Promise<ObjectInfo | undefined> {
    return this.info(key);
  }

  async readRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    const fh = await fs.open(this.file(key), 'r').catch((err: NodeJS.ErrnoException) => {
      throw new IoError(`cannot open ${this.file(key)}: ${err.message}`, { path: this.file(key) }, { cause: err });
    });
    try {
      const buf = Buffer.alloc(length);
      const got = await readFullyAt(fh, buf, offset);
      if (got < length) throw new CorruptPartError(`${this.file(key)} is truncated: wanted bytes ${offset}-${offset + length}, got ${got}`, { path: this.file(key) });
      return buf;
    } finally {
      await fh.close();
    }
  }

  async readAll(key: string): Promise<Uint8Array | undefined> {
    return fs.readFile(this.file(key)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw new IoError(`cannot read ${this.file(key)}: ${err.message}`, { path: this.file(key) }, { cause: err });
    });
  }

  async openRead(key: string, offset = 0): Promise<Readable> {
    await fs.access(this.file(key)).catch((err: Error) => {
      throw new IoError(`cannot open ${this.file(key)}: ${err.message}`, { path: this.file(key) }, { cause: err });
    });
    return createReadStream(this.file(key), { start: offset });
  }

  /** Streams into `<file>.tmp-<random>`, fsyncs, and returns the temp name. */
  private async writeTemp(key: string, body: WriteBody): Promise<string> {
    const file = this.file(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}${TMP_MARK}${randomBytes(6).toString('hex')}`;
    try {
      await pipeline(toReadable(body), createWriteStream(tmp));
      const fh = await fs.open(tmp, 'r+');
      await fh.sync().finally(() => fh.close());
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw new IoError(`cannot write ${file}: ${(err as Error).message}`, { path: file }, { cause: err });
    }
    return tmp;
  }

  async write(key: string, body: WriteBody): Promise<ObjectInfo> {
    const tmp = await this.writeTemp(key, body);
    await fs.rename(tmp, this.file(key));
    return (await this.info(key))!;
  }

  async createIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    const tmp = await this.writeTemp(key, body);
    try {
      // link() fails with EEXIST when the name exists: an atomic create-if-absent of a whole file.
      await fs.link(tmp, this.file(key));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw new IoError(`cannot create ${this.file(key)}: ${(err as Error).message}`, { path: this.file(key) }, { cause: err });
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }

  async close(): Promise<void> {}
}
