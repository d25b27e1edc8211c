// Where an s3:// location points and how to reach it: bucket and key prefix from the URL;
// endpoint, region and credentials from the places every AWS tool reads them.
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

/** Refuses s3:// locations where `what` has no object-storage path yet, rather than writing a local folder named `s3:`. */
export function refuseS3(what: string, locations: readonly (string | null | undefined)[]): void {
  const remote = locations.find((l): l is string => typeof l === 'string' && isS3Url(l));
  if (remote !== undefined) throw new UsageError(`${what} does not take s3:// locations yet (${remote}): use a local or shared-filesystem path (README.md, "Datasets on S3", lists what does)`, { path: remote });
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
