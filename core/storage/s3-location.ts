// Where an s3:// location points and how to reach it: bucket and key prefix from the URL;
// endpoint, region and credentials from the places every AWS tool reads them.
import path from 'node:path';
import { UsageError } from '../errors.js';

/** A parsed s3://bucket/prefix. */
export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing '/'; '' for the bucket root. */
  prefix: string;
}

/** How to reach the server; every field falls back to the standard environment. */
export interface S3ConnectOptions {
  /** AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL; unset means AWS itself. */
  endpoint?: string;
  /** AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region (~/.aws/config), then us-east-1. */
  region?: string;
  /**
   * Path-style addressing (http://host/bucket/key), which most self-hosted servers (Ceph RGW,
   * MinIO) need; KILN_S3_PATH_STYLE=1 turns it on. Default: virtual-hosted, as AWS wants.
   */
  forcePathStyle?: boolean;
  /** ~/.aws/credentials profile; default AWS_PROFILE, then "default" (the SDK's provider chain). */
  profile?: string;
}

/** True for s3:// locations. */
export function isS3Url(location: string): boolean {
  return /^s3:\/\//i.test(location);
}

/**
 * The one place an s3:// location is refused: every dataset path is canonicalised (input-files.ts)
 * and every output folder made (make-dirs.ts) through here, so a command or option that has no
 * object-storage path yet fails naming the location instead of writing a local folder named
 * `s3:`. The commands that take s3:// stage it before it reaches local-path code
 * (staged-stage.ts); README.md, "Datasets on S3", lists them.
 */
export function requireLocalPath(location: string): string {
  if (isS3Url(location)) throw new UsageError(`${location}: s3:// is not supported here yet (README.md, "Datasets on S3", lists the commands and options that take s3://): use a local or shared-filesystem path`, { path: location });
  return location;
}

/** `base` joined with `parts`: '/'-joined under an s3:// URL (path.join would fold its '//'), path.join otherwise. */
export function joinLocation(base: string, ...parts: string[]): string {
  if (!isS3Url(base)) return path.join(base, ...parts);
  const rest = parts.flatMap((p) => p.split('/')).filter((p) => p !== '' && p !== '.');
  return [base.replace(/\/+$/, ''), ...rest].join('/');
}

/** Parses s3://bucket[/prefix]; a missing or invalid bucket name is a usage error. */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(url);
  if (!m) throw new UsageError(`not an s3:// URL: ${url}`, { path: url });
  const bucket = m[1];
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new UsageError(`invalid S3 bucket name "${bucket}" in ${url}`, { path: url });
  return { bucket, prefix: m[2].replace(/^\/+|\/+$/g, '') };
}

/** The s3:// URL of `key` under a location. */
export function s3Url(loc: S3Location, key = ''): string {
  const path = [loc.prefix, key].filter((p) => p !== '').join('/');
  return `s3://${loc.bucket}${path ? `/${path}` : ''}`;
}

/** Connection options with the environment filled in (credentials stay with the SDK's chain). */
export function resolveS3Connect(options: S3ConnectOptions = {}, env: NodeJS.ProcessEnv = process.env): S3ConnectOptions {
  const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  if (endpoint !== undefined && !/^https?:\/\//i.test(endpoint)) throw new UsageError(`S3 endpoint must be an http(s) URL, got "${endpoint}"`, { key: 'AWS_ENDPOINT_URL' });
  const pathStyleEnv = env.KILN_S3_PATH_STYLE;
  if (pathStyleEnv !== undefined && !['0', '1', 'true', 'false'].includes(pathStyleEnv)) {
    throw new UsageError(`KILN_S3_PATH_STYLE must be 1 or 0, got "${pathStyleEnv}"`, { key: 'KILN_S3_PATH_STYLE' });
  }
  return {
    endpoint,
    region: options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    forcePathStyle: options.forcePathStyle ?? (pathStyleEnv === '1' || pathStyleEnv === 'true'),
    profile: options.profile ?? env.AWS_PROFILE,
  };
}
