// Copies every object under a prefix from one Storage to another, streaming one object at a
// time (memory: one object's upload buffers), e.g. a local dataset to s3:// and back.
import type { Storage } from './storage.js';

/** Copies all objects under `prefix` from `from` to `to`; returns the keys copied, in order. */
export async function copyTree(from: Storage, to: Storage, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of from.list(prefix)) {
    await to.write(o.key, await from.openRead(o.key));
    keys.push(o.key);
  }
  return keys;
}
