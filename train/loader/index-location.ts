import { promises as fs } from 'node:fs';
import path from 'node:path';
import { layout } from '../../core/dataset-layout.js';
import { CorruptPartError, UsageError } from '../../core/errors.js';
import { SHARD_INDEX_FILE, type ShardIndex, parseShardIndex } from '../../core/shard-index.js';
import { isHttpLocation } from './byte-source.js';
import { type HttpOptions, httpGet } from './http-source.js';
import { retryWithBackoff } from '../../core/retry-backoff.js';
import { S3Storage } from '../../core/storage/s3.js';
import { isS3Url, parseS3Url, s3Url } from '../../core/storage/s3-location.js';

/** A loaded index and where its shards live. */
export interface LocatedIndex {
  index: ShardIndex;
  /** The index.json path or URL. */
  location: string;
  /** Path or URL of a shard file named in the index. */
  shardLocation(file: string): string;
}

/**
 * A directory without index.json that is another kind of kiln dataset gets the step it still
 * needs, instead of "cannot read index.json" (a documents or tokens dataset passed as --data).
 */
async function refuseOtherDataset(dir: string, file: string): Promise<void> {
  if (await fs.stat(file).then(() => true, () => false)) return;
  const manifest = await fs.readFile(layout.datasetJson(dir), 'utf8').then((t) => JSON.parse(t) as { stage?: string; columns?: { name: string }[] }, () => undefined);
  if (manifest === undefined) throw new UsageError(`${dir} is not a shards directory (no ${SHARD_INDEX_FILE}); make one with kiln shard`, { path: dir });
  const tokens = (manifest.columns ?? []).some((c) => c.name === 'tokens');
  throw new UsageError(
    tokens
      ? `${dir} is a tokens dataset (stage ${manifest.stage}), not shards; run kiln shard on it first`
      : `${dir} is a documents dataset (stage ${manifest.stage}), not shards; run kiln tokenize and kiln shard first`,
    { path: dir },
  );
}

/** Loads index.json from a shards dir, an index.json path, or an http(s) or s3:// URL of either. */
export async function loadIndex(where: string, http: HttpOptions): Promise<LocatedIndex> {
  if (isS3Url(where)) {
    const loc = parseS3Url(where);
    const key = loc.prefix.endsWith('.json') ? loc.prefix : [loc.prefix, SHARD_INDEX_FILE].filter((p) => p !== '').join('/');
    const url = s3Url({ bucket: loc.bucket, prefix: '' }, key);
    const storage = new S3Storage({ bucket: loc.bucket, prefix: '' });
    const body = await retryWithBackoff(() => storage.readAll(key), { retries: http.retries, backoffMs: http.backoffMs }).finally(() => storage.close());
    if (!body) throw new UsageError(`cannot load shards index ${url}: no such object`, { path: url });
    const index = parseShardIndex(new TextDecoder().decode(body), url);
    const dir = key.includes('/') ? key.slice(0, key.lastIndexOf('/')) : '';
    return { index, location: url, shardLocation: (file) => s3Url({ bucket: loc.bucket, prefix: '' }, dir ? `${dir}/${file}` : file) };
  }
  if (isHttpLocation(where)) {
    const url = where.endsWith('.json') ? where : `${where.replace(/\/+$/, '')}/${SHARD_INDEX_FILE}`;
    const { status, body } = await httpGet(url, http);
    if (status !== 200) throw new UsageError(`cannot load shards index ${url}: HTTP ${status}`, { path: url });
    const index = parseShardIndex(new TextDecoder().decode(body), url);
    return { index, location: url, shardLocation: (file) => new URL(file, url).toString() };
  }
  const st = await fs.stat(where).catch(() => undefined);
  if (!st) throw new UsageError(`shards index not found: ${where}`, { path: where });
  const file = st.isDirectory() ? path.join(where, SHARD_INDEX_FILE) : where;
  if (st.isDirectory()) await refuseOtherDataset(where, file);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new CorruptPartError(`cannot read shards index ${file}: ${(err as Error).message}`, { path: file }, { cause: err });
  }
  const index = parseShardIndex(text, file);
  const dir = path.dirname(path.resolve(file));
  return { index, location: file, shardLocation: (name) => path.join(dir, name) };
}
