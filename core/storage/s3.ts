// Storage on an S3 prefix through @aws-sdk/client-s3: ranged GETs, multipart uploads above the
// part size (lib-storage's Upload), conditional create with If-None-Match: *. S3 has no rename:
// an object is visible only once its PUT or CompleteMultipartUpload has succeeded, which is what
// makes the commit protocol (committed-parts.ts) work without one.
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { CorruptPartError, IoError, UsageError } from '../errors.js';
import { type S3ConnectOptions, type S3Location, resolveS3Connect, s3Url } from './s3-location.js';
import type { CopyOptions, ObjectInfo, Storage, WriteBody } from './storage.js';

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
  /**
   * Objects above this many bytes are copied by a multipart copy (UploadPartCopy), since one
   * CopyObject is limited to 5 GiB by S3. Default and maximum: 5 GiB; tests set it lower to run
   * the multipart path on small objects.
   */
  multipartCopyAbove?: number;
  /** Bytes per UploadPartCopy part (S3: 5 MiB to 5 GiB). Default 512 MiB, raised to stay under 10,000 parts. */
  copyPartSize?: number;
}

const DEFAULT_PART = 8 * 1024 * 1024;
const MIB = 1024 * 1024;
/** S3's limit on one CopyObject, and on one part of a multipart copy. */
const COPY_LIMIT = 5 * 1024 * MIB;
/** S3's limit on the parts of one multipart upload. */
const MAX_PARTS = 10_000;

/**
 * KILN_S3_PART_SIZE: bytes per multipart part for every S3 write of this process (S3's minimum,
 * 5 MiB, up to 5 GiB); lets a user (or a test) trade memory for requests without a flag per command.
 */
function envPartSize(): number | undefined {
  const v = process.env.KILN_S3_PART_SIZE;
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 5 * MIB || n > COPY_LIMIT) {
    throw new UsageError(`KILN_S3_PART_SIZE must be a whole number of bytes from ${5 * MIB} (5 MiB) to ${COPY_LIMIT} (5 GiB), got "${v}"`, { key: 'KILN_S3_PART_SIZE' });
  }
  return n;
}

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
  private readonly multipartCopyAbove: number;
  private readonly copyPartSize: number;

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
    this.partSize = Math.max(5 * MIB, write.partSize ?? envPartSize() ?? DEFAULT_PART);
    this.queueSize = write.queueSize ?? 2;
    this.multipartCopyAbove = Math.min(COPY_LIMIT, write.multipartCopyAbove ?? COPY_LIMIT);
    this.copyPartSize = Math.min(COPY_LIMIT, Math.max(5 * MIB, write.copyPartSize ?? 512 * MIB));
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

  private copySource(key: string): string {
    // CopySource is "bucket/key", URL-encoded segment by segment (a '/' in the key stays).
    return `${this.location.bucket}/${this.key(key).split('/').map(encodeURIComponent).join('/')}`;
  }

  /**
   * A server-side copy: the bytes never pass through this process. Up to 5 GiB one CopyObject;
   * above it (S3 refuses one CopyObject over 5 GiB) a multipart copy, UploadPartCopy by byte
   * range, so a part of any size S3 accepts (5 TiB) can be committed.
   */
  async copy(from: string, to: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    // Ceph RGW (the version .ci/s3.sh runs) ignores x-amz-copy-source-if-match on CopyObject and
    // copies whatever the source holds, so the condition is also checked by a HEAD right before
    // the copy; the moment between them is covered by the output lease (one writer per output).
    const src = options.ifMatch !== undefined || options.size === undefined ? await this.stat(from) : { key: from, size: options.size, etag: '' };
    const where = s3Url(this.location, from);
    if (!src) throw new CorruptPartError(`cannot copy ${where}: it does not exist`, { path: where });
    if (options.ifMatch !== undefined && src.etag !== options.ifMatch) {
      throw new CorruptPartError(`cannot copy ${where} to ${to}: its ETag is ${src.etag}, not ${options.ifMatch}`, { path: where });
    }
    if (options.size !== undefined && src.size !== options.size) {
      throw new CorruptPartError(`cannot copy ${where} to ${to}: it is ${src.size} bytes, not ${options.size}`, { path: where });
    }
    const size = src.size;
    const bucket = this.location.bucket;
    const refuse = (err: unknown): Error => {
      // 412: the source no longer has the ETag the commit record holds; 404: it is gone.
      if (status(err) === 412 || status(err) === 404) {
        return new CorruptPartError(`cannot copy ${where} to ${to}: ${status(err) === 412 ? `its ETag is not ${options.ifMatch}` : 'it does not exist'}`, { path: where }, { cause: err });
      }
      return this.fail(`COPY to ${to} from`, from, err);
    };
    if (size <= this.multipartCopyAbove) {
      try {
        const r = await this.client.send(new CopyObjectCommand({ Bucket: bucket, Key: this.key(to), CopySource: this.copySource(from), CopySourceIfMatch: options.ifMatch }));
        return { key: to, size, etag: unquote(r.CopyObjectResult?.ETag) };
      } catch (err) {
        throw refuse(err);
      }
    }
    const partSize = Math.max(this.copyPartSize, Math.ceil(size / MAX_PARTS));
    let uploadId: string | undefined;
    try {
      const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: this.key(to) }));
      uploadId = created.UploadId!;
      const ranges: { n: number; start: number; end: number }[] = [];
      for (let start = 0, n = 1; start < size; start += partSize, n++) ranges.push({ n, start, end: Math.min(size, start + partSize) - 1 });
      const parts: { PartNumber: number; ETag: string }[] = new Array(ranges.length);
      // queueSize copies in flight: no bytes are held here, only requests.
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < ranges.length) {
          const r = ranges[next++];
          const res = await this.client.send(
            new UploadPartCopyCommand({ Bucket: bucket, Key: this.key(to), UploadId: uploadId, PartNumber: r.n, CopySource: this.copySource(from), CopySourceRange: `bytes=${r.start}-${r.end}`, CopySourceIfMatch: options.ifMatch }),
          );
          parts[r.n - 1] = { PartNumber: r.n, ETag: res.CopyPartResult!.ETag! };
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.queueSize, ranges.length) }, worker));
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: this.key(to), UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      // An aborted copy leaves nothing visible; a SIGKILL here leaves an incomplete upload, as write() does.
      if (uploadId) await this.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: this.key(to), UploadId: uploadId })).catch(() => undefined);
      throw refuse(err);
    }
    // Ceph RGW leaves the ETag out of CompleteMultipartUpload's answer: one HEAD gives it.
    const info = await this.stat(to);
    if (!info) throw this.fail('COPY', to, new Error('object missing right after its multipart copy completed'));
    return info;
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
