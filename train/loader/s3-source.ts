// Shards on S3: ranged GETs through core's S3 storage, each retried with exponential backoff on
// top of the SDK's own few quick retries, so a gateway restart mid-epoch (seconds) is waited
// out. A missing object or a short read is final (CorruptPartError), not retried.
import { CorruptPartError } from '../../core/errors.js';
import { retryWithBackoff, type RetryOptions } from '../../core/retry-backoff.js';
import { S3Storage } from '../../core/storage/s3.js';
import { parseS3Url } from '../../core/storage/s3-location.js';
import type { ByteSource } from './byte-source.js';

/** One S3 client per bucket for a loader (its connection pool is shared by all shards). */
export class S3Buckets {
  private readonly clients = new Map<string, S3Storage>();

  /** Storage at the root of `bucket`. */
  bucket(bucket: string): S3Storage {
    let s = this.clients.get(bucket);
    if (!s) {
      s = new S3Storage({ bucket, prefix: '' });
      this.clients.set(bucket, s);
    }
    return s;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((s) => s.close()));
    this.clients.clear();
  }
}

/** Range reads of one shard object s3://bucket/key. */
export class S3Source implements ByteSource {
  private readonly storage: S3Storage;
  private readonly key: string;
  private knownSize: number | undefined;

  constructor(
    readonly location: string,
    buckets: S3Buckets,
    private readonly retry: RetryOptions,
  ) {
    const loc = parseS3Url(location);
    this.storage = buckets.bucket(loc.bucket);
    this.key = loc.prefix;
  }

  async size(): Promise<number> {
    if (this.knownSize === undefined) {
      const info = await retryWithBackoff(() => this.storage.stat(this.key), this.retry);
      if (!info) {
        throw new CorruptPartError(`shard is missing: ${this.location}`, { path: this.location });
      }
      this.knownSize = info.size;
    }
    return this.knownSize;
  }

  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    const bytes = await retryWithBackoff(() => this.storage.readRange(this.key, offset, length), this.retry);
    if (!into) return bytes;
    into.set(bytes);
    return into.subarray(0, length);
  }

  async close(): Promise<void> {
    // The client belongs to the loader's S3Buckets, closed with it.
  }
}
