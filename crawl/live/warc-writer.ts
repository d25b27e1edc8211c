// WARC archives of a crawl's responses, written with warcio beside the documents
// (<out>/warc/). One file per dataset batch, written under a temporary name and renamed into
// place (after an fsync) just before the batch is committed: a WARC file exists exactly when
// its documents do, and a SIGKILL leaves only a .tmp file that the next run deletes.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { WARCRecord, WARCSerializer } from 'warcio';
import { makeDirs } from '../../core/make-dirs.js';

const TMP_SUFFIX = '.warc.gz.tmp';

/** One response to archive. */
export interface WarcResponse {
  url: string;
  date: Date;
  status: number;
  statusText?: string;
  headers: Record<string, string>;
  /** The body as kept (content-encoding already undone, possibly truncated). */
  body: Uint8Array;
  truncated: boolean;
}

/** Writes gzipped WARC/1.1 files, one per dataset batch. */
export class WarcWriter {
  private file: fs.FileHandle | undefined;
  private tmpPath = '';
  private finalPath = '';
  private records = 0;
  private queue: Promise<void> = Promise.resolve();

  private constructor(readonly dir: string, private readonly software: string, private readonly prefix: string) {}

  /**
   * Opens the WARC folder for files named `<prefix><batch>.warc.gz`, deleting the ones with this
   * prefix a killed run left unfinished (another task's, writing beside it, are not touched).
   */
  static async open(dir: string, software: string, prefix = 'kiln-'): Promise<WarcWriter> {
    await makeDirs(dir);
    for (const name of await fs.readdir(dir)) if (name.startsWith(prefix) && name.endsWith(TMP_SUFFIX)) await fs.rm(path.join(dir, name), { force: true });
    return new WarcWriter(dir, software, prefix);
  }

  /** Appends a response record to the file of `batch` (serialised in call order). */
  write(batch: number, r: WarcResponse): Promise<void> {
    this.queue = this.queue.then(() => this.writeNow(batch, r));
    return this.queue;
  }

  private async ensureFile(batch: number): Promise<fs.FileHandle> {
    if (this.file) return this.file;
    const name = `${this.prefix}${String(batch).padStart(6, '0')}`;
    this.finalPath = path.join(this.dir, `${name}.warc.gz`);
    this.tmpPath = path.join(this.dir, `${name}${TMP_SUFFIX}`);
    this.file = await fs.open(this.tmpPath, 'w');
    const info = WARCRecord.createWARCInfo({ filename: path.basename(this.finalPath), warcVersion: 'WARC/1.1' }, { software: this.software, format: 'WARC File Format 1.1' });
    await this.file.write(await WARCSerializer.serialize(info, { gzip: true }));
    return this.file;
  }

  private async writeNow(batch: number, r: WarcResponse): Promise<void> {
    const file = await this.ensureFile(batch);
    // The body is stored decoded, so the headers must describe it as stored: no
    // Content-Encoding/Transfer-Encoding, and the real length.
    const headers: [string, string][] = [];
    for (const [k, v] of Object.entries(r.headers)) {
      if (k === 'content-encoding' || k === 'transfer-encoding' || k === 'content-length') continue;
      headers.push([k, v]);
    }
    headers.push(['content-length', String(r.body.byteLength)]);
    const warcHeaders: Record<string, string> = {};
    if (r.truncated) warcHeaders['WARC-Truncated'] = 'length';
    const record = WARCRecord.create(
      {
        url: r.url,
        date: r.date.toISOString(),
        type: 'response',
        warcVersion: 'WARC/1.1',
        statusline: `HTTP/1.1 ${r.status} ${r.statusText ?? ''}`.trimEnd(),
        httpHeaders: headers,
        warcHeaders,
      },
      [r.body],
    );
    await file.write(await WARCSerializer.serialize(record, { gzip: true }));
    this.records++;
  }

  /**
   * Finishes the current file (fsync + rename); returns its path, or undefined when nothing was
   * written. Queued behind the writes made before the call, ahead of any made after it, so
   * records of the next batch never land in this batch's file.
   */
  seal(): Promise<string | undefined> {
    const sealed = this.queue.then(() => this.sealNow());
    this.queue = sealed.then(() => undefined);
    return sealed;
  }

  private async sealNow(): Promise<string | undefined> {
    if (!this.file) return undefined;
    await this.file.sync();
    await this.file.close();
    this.file = undefined;
    await fs.rename(this.tmpPath, this.finalPath);
    const dir = await fs.open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    return this.finalPath;
  }

  /** Drops the unfinished file (a stopped crawl keeps only sealed batches). */
  async abandon(): Promise<void> {
    await this.queue.catch(() => {});
    if (!this.file) return;
    await this.file.close();
    this.file = undefined;
    await fs.rm(this.tmpPath, { force: true });
  }
}
