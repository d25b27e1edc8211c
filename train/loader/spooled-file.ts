// A whole-file HTTP response kept on local disk: where a server ignores Range, the loader still
// needs random access to record batches (the epoch plan visits them in a shuffled order), and
// holding whole shards (hundreds of MiB each) in memory would make memory grow with shard size.
// The file is unlinked as soon as it is opened, so it disappears when its handle closes or the
// process exits, even if the loader worker is terminated mid-epoch.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalFileSource } from './local-file-source.js';

/**
 * Streams `body` into an unlinked temp file and returns positional reads of it, under `location`.
 * Memory bound: one body chunk at a time (undici's stream buffer), each written before the next
 * is read; disk: one copy of the shard per loader, freed on close.
 */
export async function spoolToTempFile(location: string, body: AsyncIterable<Uint8Array>): Promise<LocalFileSource> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-loader-'));
  const fh = await fs.open(path.join(dir, 'shard'), 'w+');
  await fs.rm(dir, { recursive: true, force: true });
  try {
    let size = 0;
    for await (const chunk of body) {
      for (let done = 0; done < chunk.length; ) done += (await fh.write(chunk, done, chunk.length - done, size + done)).bytesWritten;
      size += chunk.length;
    }
    return new LocalFileSource(location, fh);
  } catch (err) {
    await fh.close();
    throw err;
  }
}
