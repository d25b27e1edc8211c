// Storage on an S3 prefix through @aws-sdk/client-s3: ranged GETs, multipart uploads above the
// part size (lib-storage's Upload), conditional create with If-None-Match: *. S3 has no rename:
// an object is visible only once its PUT or CompleteMultipartUpload has succeeded, which is what
// makes the commit protocol (committed-parts.ts) work without one.
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { CorruptPartError, IoError } from '../errors.js';
import { type S3ConnectOptions, type S3Location, resolveS3Connect, s3Url } from './s3-location.js';
import type { ObjectInfo, Storage, WriteBody } from './storage.js';

// The SDK warns once per process that its releases after January 2027 need Node >= 22. This
// variable is the SDK's documented switch for exactly that warning (and nothing else); a user
// who set it either way keeps their value.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Multipart tuning: memory per upload is bounded by partSize x queueSize. */
export interface S3WriteOptions {
  /** Bytes per multipart part (S3 minimum 5 MiB); objects below it are one PUT. */
  partSize?: number;
  /** Parts uploaded concurrently per object. */
  queueSize?: number;
}

const DEFAULT_PART = 8 * 1024 * 1024;

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function toBody(body: WriteBody): Uint8Array | string | Readable {
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  // Re-wrapped even when already a Readable: lib-storage sizes an fs.ReadStream from its
  // start/end fields (end = Infinity when unset) and then fails the part count check.
  return Readable.from(body);
}

/** An S3 prefix as Storage. */
export class S3Storage implements Storage {
  readonly url: string;
  readonly client: S3Client;
  private readonly partSize: number;
  private readonly queueSize: number;

  constructor(
    readonly location: S3Location,
    connect: S3ConnectOptions = {},
    write: S3WriteOptions = {},
  ) {
    const c = resolveS3Connect(connect);
    this.url = s3Url(location);
    this.client = new S3Client({
      endpoint: c.endpoint,
      region: c.region ?? 'us-east-1',
      forcePathStyle: c.forcePathStyle,
      profile: c.profile,
      // Retries with backoff for throttling, 5xx and network errors (the SDK's standard mode).
      maxAttempts: 5,
      // Ceph RGW and older servers reject the flexible checksums newer SDKs send by default.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.partSize = Math.max(5 * 1024 * 1024, write.partSize ?? DEFAULT_PART);
    this.queueSize = write.queueSize ?? 2;
  }

  private key(key: string): string {
    return this.location.prefix ? `${this.location.prefix}/${key}` : key;
  }

  private fail(op: string, key: string, err: unknown): IoError {
    const where = s3Url(this.location, key);
    return new IoError(`S3 ${op} ${where} failed: ${(err as Error)?.name ?? ''} ${(err as Error)?.message ?? err}`.trim(), { path: where }, { cause: err });
  }

  async *list(prefix = ''): AsyncIterable<ObjectInfo> {
    const base = this.location.prefix ? `${this.location.prefix}/` : '';
    let token: string | undefined;
    do {
      const res = await this.client
        .send(new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: base + prefix, ContinuationToken: token }))
        .catch((err) => {
          if (status(err) === 404) return undefined;
          throw this.fail('LIST', prefix, err);
        });
      if (!res) return;
      for (const o of res.Contents ?? []) yield { key: o.Key!.slice(base.length), size: Number(o.Size ?? 0), etag: unquote(o.ETag) };
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }));
      return { key, size: Number(r.ContentLength ?? 0), etag: unquote(r.ETag) };
    } catch (err) {
      if (status(err) === 404) return undefined;
      throw this.fail('HEAD', key, err);
    }
  }

  async readRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    if (length === 0) return new Uint8Array(0);
    let bytes: Uint8Array;
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(key), Range: `bytes=${offset}-${offset + length - 1}` }));
      bytes = await r.Body!.transformToByteArray();
    } catch (err) {
      if (status(err) === 404) throw new CorruptPartError(`object is missing: ${s3Url(this.location, key)}`, { path: s3Url(this.location, key) });
      throw this.fail('GET (range)', key, err);
    }
    if (bytes.length < length) {
      const where = s3Url(this.location, key);
      throw new CorruptPartError(`${where} is truncated: wanted bytes ${offset}-${offset + length}, got ${bytes.length}`, { path: where });
    }
    return bytes.subarray(0, length);
  }

  async readAll(key: string): Promise<Uint8Array | undefined> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }));
      return await r.Body!.transformToByteArray();
    } catch (err) {
      if (status(err) === 404) return undefined;
      throw this.fail('GET', key, err);
    }
  }

  async openRead(key: string, offset = 0): Promise<Readable> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(key), Range: offset > 0 ? `bytes=${offset}-` : undefined }));
      return r.Body as Readable;
    } catch (err) {
      throw this.fail('GET', key, err);
    }
  }

  async write(key: string, body: WriteBody): Promise<ObjectInfo> {
    try {
      // Upload makes one PUT below partSize, else a multipart upload; it holds at most
      // queueSize parts in memory, and aborts the multipart upload when a part fails. A SIGKILL
      // leaves an incomplete upload that no reader can see (a bucket lifecycle rule or
      // `abortIncompleteUploads` removes its parts).
      const up = new Upload({
        client: this.client,
        params: { Bucket: this.location.bucket, Key: this.key(key), Body: toBody(body) },
        partSize: this.partSize,
        queueSize: this.queueSize,
        leavePartsOnError: false,
      });
      await up.done();
    } catch (err) {
      throw this.fail('PUT', key, err);
    }
    // Upload's result lacks ContentLength; one HEAD gives the size and ETag the commit record keeps.
    const info = await this.stat(key);
    if (!info) throw this.fail('PUT', key, new Error('object missing right after its upload completed'));
    return info;
  }

  async createIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.location.bucket, Key: this.key(key), Body: body, IfNoneMatch: '*' }));
      return true;
    } catch (err) {
      // 412: the key exists. 409: a concurrent conditional write to the same key is in flight (AWS).
      if (status(err) === 412 || status(err) === 409) return false;
      if (err instanceof S3ServiceException && status(err) === 501) {
        throw this.fail('conditional PUT (If-None-Match: *, not implemented by this server)', key, err);
      }
      throw this.fail('conditional PUT', key, err);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }));
    } catch (err) {
      if (status(err) === 404) return;
      throw this.fail('DELETE', key, err);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
