// Picks the Storage for a dataset location: s3://bucket/prefix or a local path.
import { UsageError } from '../errors.js';
import path from 'node:path';
import { LocalStorage } from './local.js';
import { S3Storage, type S3WriteOptions } from './s3.js';
import { type S3ConnectOptions, isS3Url, parseS3Url } from './s3-location.js';
import type { Storage } from './storage.js';

/** Options for opening a location; S3 fields are ignored for local paths. */
export interface OpenStorageOptions {
  s3?: S3ConnectOptions;
  write?: S3WriteOptions;
}

/** Storage rooted at `location` (an s3:// URL or a local directory). */
export function openStorage(location: string, options: OpenStorageOptions = {}): Storage {
  if (isS3Url(location)) return new S3Storage(parseS3Url(location), options.s3, options.write);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !/^file:\/\//i.test(location)) {
    // No silent fallback: gs://, az:// and http:// datasets are not storage locations (yet).
    throw new UsageError(`unsupported storage location ${location}: use a local path or s3://bucket/prefix`, { path: location });
  }
  const dir = location.replace(/^file:\/\//i, '');
  return new LocalStorage(path.resolve(dir), location);
}
