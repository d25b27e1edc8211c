// Raw batches of whole JSONL lines, for the encode workers to parse: reading bytes and cutting
// at newlines is ~5x cheaper than readline + JSON.parse on the main thread, which was the
// tokenize stage's bottleneck (the workers then parse in parallel).
import { open } from 'node:fs/promises';

const READ_BYTES = 1 << 20;

/**
 * Yields the bytes of `file` as copies of at least `batchBytes` bytes (except the last), each
 * ending just after a `\n` (the last may end without one); with `maxLines`, a batch also ends
 * after that many lines. Memory bound: one batch plus one read buffer, or one line when a
 * single line is longer than a batch.
 */
export async function* jsonlLineBatches(file: string, batchBytes: number, maxLines = Infinity): AsyncGenerator<Uint8Array> {
  const fh = await open(file, 'r');
  try {
    let carry = new Uint8Array(Math.max(batchBytes, READ_BYTES) * 2);
    let used = 0;
    for (;;) {
      if (carry.length - used < READ_BYTES) {
        // Only a line longer than the buffer gets here: grow to hold it whole.
        const next = new Uint8Array(carry.length * 2);
        next.set(carry.subarray(0, used));
        carry = next;
      }
      const { bytesRead } = await fh.read(carry, used, READ_BYTES, null);
      if (bytesRead === 0) break;
      used += bytesRead;
      let from = 0;
      for (;;) {
        const nl = batchEnd(carry, from, used, batchBytes, maxLines);
        if (nl < 0) break;
        yield carry.slice(from, nl + 1);
        from = nl + 1;
      }
      if (from > 0) {
        carry.copyWithin(0, from, used);
        used -= from;
      }
    }
    if (used > 0) yield carry.slice(0, used);
  } finally {
    await fh.close();
  }
}

/**
 * Line breaks in `bytes` counted as readline (and parseJsonlDocuments) split lines: `\r\n`, `\n`
 * or a lone `\r`. A batch ends with `\n`, so this is the number of lines it holds; a lone `\r`
 * is rare, so the second scan usually finds none.
 */
export function countLineBreaks(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) n++;
  for (let i = bytes.indexOf(0x0d); i >= 0; i = bytes.indexOf(0x0d, i + 1)) if (bytes[i + 1] !== 0x0a) n++;
  return n;
}

/** Index of the `\n` that ends the batch starting at `from`, or -1 if `buf[from, used)` holds no whole batch yet. */
function batchEnd(buf: Uint8Array, from: number, used: number, batchBytes: number, maxLines: number): number {
  const data = buf.subarray(0, used);
  if (maxLines !== Infinity) {
    // The maxLines-th newline, unless the byte limit comes first.
    let nl = from - 1;
    for (let n = 0; n < maxLines; n++) {
      nl = data.indexOf(0x0a, nl + 1);
      if (nl < 0) return -1;
      if (n === maxLines - 1 || nl - from + 1 >= batchBytes) return nl;
    }
  }
  return used - from < batchBytes ? -1 : data.indexOf(0x0a, from + batchBytes - 1);
}
