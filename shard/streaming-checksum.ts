import xxhash from 'xxhash-wasm';

// Same algorithm and spelling as core/checksum.ts (`xxh64:<16 hex>`), fed in pieces so a shard
// is hashed while it is written instead of being read back.
const hasher = await xxhash();

/** An incremental xxh64 whose digest matches core's `checksum(wholeFile)`. */
export function createChecksum(): { update(bytes: Uint8Array): void; digest(): string } {
  const h = hasher.create64();
  return {
    update: (bytes) => void h.update(bytes),
    digest: () => `xxh64:${h.digest().toString(16).padStart(16, '0')}`,
  };
}
