// Child process for s3-kill.test.ts: writes a dataset of 8 parts (every other one 11 MiB, so a
// multipart upload with 5 MiB parts) through the commit protocol, resuming from the commit
// records a killed run left: a record whose final part is missing is copied again, committed
// chunks are skipped, pending leftovers are deleted, and SUCCESS.json comes last.
// Usage: node s3-part-writer.js <location>
import { Readable } from 'node:stream';
import { seededRandom } from '../../core/seeded-random.js';
import { readStoredCommits, resumeCommittedParts, writeCommittedPart, writeSuccess } from '../../core/storage/committed-parts.js';
import { openStorage } from '../../core/storage/open-storage.js';

export const CHUNKS = 8;

/** The bytes of chunk `i`, as 1 MiB blocks (a stream, so the writer's memory stays bounded). */
export function* chunkBlocks(i: number): Generator<Buffer> {
  const size = i % 2 === 1 ? 11 * 1024 * 1024 + 123 : 300_000 + i;
  const rand = seededRandom(1000 + i);
  const block = Buffer.alloc(1 << 20);
  for (let k = 0; k < block.length; k += 4) block.writeUInt32LE(Math.floor(rand() * 2 ** 32), k);
  for (let off = 0; off < size; off += block.length) {
    const b = Buffer.from(block.subarray(0, Math.min(block.length, size - off)));
    b.writeUInt32LE(off, 0);
    yield b;
  }
}

async function main(location: string): Promise<void> {
  const storage = openStorage(location, { write: { partSize: 5 * 1024 * 1024 } });
  try {
    const done = new Set((await resumeCommittedParts(storage)).map((c) => c.chunk));
    for (let i = 0; i < CHUNKS; i++) {
      if (done.has(i)) continue;
      await writeCommittedPart(storage, 0, i, Readable.from(chunkBlocks(i)), { rows: i + 1, cursor: { chunk: i + 1 } });
    }
    const commits = await readStoredCommits(storage);
    await writeSuccess(storage, { parts: commits.length, bytes: commits.reduce((a, c) => a + c.bytes, 0), checksums: commits.map((c) => c.checksum) });
  } finally {
    await storage.close();
  }
}

if (process.argv[1]?.endsWith('s3-part-writer.js')) {
  main(process.argv[2]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
