/** Common Crawl path lists (`warc.paths.gz`, `wet.paths.gz`): one relative path per line. */
import { gunzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { request } from 'undici';
import { isUrl, warcDispatcher } from './warc-source.js';
import { WarcSourceError } from './errors.js';
import { isS3Url } from '../../core/storage/s3-location.js';
import { openS3Object } from './s3-warc.js';

/** Where Common Crawl serves the files its path lists name. */
export const COMMON_CRAWL_PREFIX = 'https://data.commoncrawl.org/';

// A paths list names tens of thousands of files (~a few MB); larger is not a list.
const MAX_LIST_BYTES = 64 * 1024 * 1024;

/** Reads a path list (local or URL, plain or gzip) and returns full locations: relative entries get `prefix`. */
export async function readWarcPathList(location: string, prefix = COMMON_CRAWL_PREFIX): Promise<string[]> {
  let bytes: Uint8Array;
  if (isS3Url(location)) {
    const { storage, key } = openS3Object(location);
    try {
      const st = await storage.stat(key);
      if (!st) throw new WarcSourceError(location, 'cannot read path list: no such object');
      if (st.size > MAX_LIST_BYTES) throw new WarcSourceError(location, `path list larger than ${MAX_LIST_BYTES} bytes`);
      bytes = (await storage.readAll(key)) ?? new Uint8Array(0);
    } finally {
      await storage.close();
    }
  } else if (isUrl(location)) {
    const res = await request(location, { method: 'GET', dispatcher: warcDispatcher() }).catch((e: unknown) => {
      throw new WarcSourceError(location, `cannot fetch path list: ${(e as Error).message}`, { cause: e });
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new WarcSourceError(location, `cannot fetch path list: HTTP ${res.statusCode}`);
    }
    bytes = new Uint8Array(await res.body.arrayBuffer());
  } else {
    bytes = await readFile(location).catch((e: unknown) => {
      throw new WarcSourceError(location, `cannot read path list: ${(e as Error).message}`, { cause: e });
    });
  }
  if (bytes.length > MAX_LIST_BYTES) throw new WarcSourceError(location, `path list larger than ${MAX_LIST_BYTES} bytes`);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes, { maxOutputLength: 4 * MAX_LIST_BYTES });
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return Buffer.from(bytes)
    .toString('utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => (isUrl(l) || isS3Url(l) || l.startsWith('/') ? l : base + l));
}
