// Exports for existing trainers: nanoGPT's `train.bin` (the flat token stream that its
// `np.memmap(..., dtype=np.uint16)` get_batch reads) and Megatron-LM's indexed dataset
// (`.bin` tokens + `.idx`: MMIDIDX header, per-document sizes, byte pointers, doc index).
// Both hold the shuffled documents each followed by EOS. A killed export restarts its split.
import { closeSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { IoError } from '../core/errors.js';
import type { ShardEntry, SplitName } from '../core/shard-index.js';
import { seededPermutation } from '../core/seeded-random.js';
import { BucketArena, readBucketDocs } from './bucket-store.js';
import { groupShuffleSeed } from './pack-arrow.js';
import { createChecksum } from './streaming-checksum.js';

const MiB = 1024 * 1024;
/** Megatron's MMapIndexedDataset header magic and dtype codes (uint16 = 8, int32 = 4). */
const MEGATRON_MAGIC = Uint8Array.from([0x4d, 0x4d, 0x49, 0x44, 0x49, 0x44, 0x58, 0x00, 0x00]);

class BufferedFile {
  private readonly fd: number;
  private readonly buf = new Uint8Array(MiB);
  private used = 0;
  private readonly hash = createChecksum();
  bytes = 0;
  constructor(readonly file: string) {
    this.fd = openSync(file, 'w');
  }
  write(bytes: Uint8Array): void {
    if (this.used + bytes.length > this.buf.length) this.flush();
    if (bytes.length > this.buf.length) this.raw(bytes);
    else {
      this.buf.set(bytes, this.used);
      this.used += bytes.length;
    }
    this.bytes += bytes.length;
  }
  private raw(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    this.hash.update(bytes);
  }
  private flush(): void {
    if (this.used) this.raw(this.buf.subarray(0, this.used));
    this.used = 0;
  }
  close(): string {
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    return this.hash.digest();
  }
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

export interface ExportSplitOptions {
  out: string;
  split: SplitName;
  groups: string[][];
  tokenBytes: 2 | 4;
  dtype: 'uint16' | 'uint32';
  eosId: number;
  seed: number;
  generation: number;
  format: 'megatron' | 'nanogpt';
  /** File name without extension (`train` for generation 0, `train-g0001` after). */
  baseName: string;
}

/** Writes one split of one generation as nanoGPT `.bin` or Megatron `.bin` + `.idx`. */
export async function exportTokenStream(opts: ExportSplitOptions): Promise<{ shards: ShardEntry[]; documents: number }> {
  const binFile = path.join(opts.out, `${opts.baseName}.bin`);
  const tmpBin = path.join(opts.out, `.tmp-${opts.baseName}.bin`);
  const sizesFile = path.join(opts.out, `.tmp-${opts.baseName}.sizes`);
  const bin = new BufferedFile(tmpBin);
  const sizes = opts.format === 'megatron' ? new BufferedFile(sizesFile) : undefined;
  const eos = opts.dtype === 'uint16' ? Uint16Array.of(opts.eosId) : Uint32Array.of(opts.eosId);
  let documents = 0;
  let tokens = 0;
  const arena = new BucketArena();
  for (let g = 0; g < opts.groups.length; g++) {
    const docs = readBucketDocs(opts.groups[g], opts.tokenBytes, arena);
    const order = seededPermutation(docs.length, groupShuffleSeed(opts.seed, opts.generation, opts.split, g));
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[order[i]];
      // Bucket dtype is the output dtype unless the vocab was unknown at scatter time.
      const out = doc.BYTES_PER_ELEMENT === eos.BYTES_PER_ELEMENT ? doc : opts.dtype === 'uint16' ? Uint16Array.from(doc) : Uint32Array.from(doc);
      bin.write(bytesOf(out));
      bin.write(bytesOf(eos));
      sizes?.write(bytesOf(Int32Array.of(doc.length + 1)));
      documents++;
      tokens += doc.length + 1;
    }
  }
  const binSum = bin.close();
  renameSync(tmpBin, binFile);
  const shards: ShardEntry[] = [
    { file: path.basename(binFile), generation: opts.generation, sequences: documents, tokens, bytes: bin.bytes, checksum: binSum },
  ];
  if (sizes) {
    sizes.close();
    shards.push(writeMegatronIndex(opts, sizesFile, documents));
    rmSync(sizesFile, { force: true });
  }
  return { shards, documents };
}

function writeMegatronIndex(opts: ExportSplitOptions, sizesFile: string, documents: number): ShardEntry {
  const idxFile = path.join(opts.out, `${opts.baseName}.idx`);
  const tmp = path.join(opts.out, `.tmp-${opts.baseName}.idx`);
  const idx = new BufferedFile(tmp);
  const header = new Uint8Array(9 + 8 + 1 + 8 + 8);
  const view = new DataView(header.buffer);
  header.set(MEGATRON_MAGIC, 0);
  view.setBigUint64(9, 1n, true);
  view.setUint8(17, opts.dtype === 'uint16' ? 8 : 4);
  view.setBigUint64(18, BigInt(documents), true);
  view.setBigUint64(26, BigInt(documents + 1), true);
  idx.write(header);
  // Sizes and pointers stream from the sizes side file in 1 MiB pieces: memory stays flat in the
  // document count.
  const fd = openSync(sizesFile, 'r');
  try {
    const chunk = new Int32Array(MiB / 4);
    const chunkBytes = bytesOf(chunk);
    for (const pass of ['sizes', 'pointers'] as const) {
      let pos = 0;
      let pointer = 0;
      for (;;) {
        const n = readSync(fd, chunkBytes, 0, chunkBytes.length, pos);
        if (n === 0) break;
        pos += n;
        const sizes = chunk.subarray(0, n / 4);
        if (pass === 'sizes') idx.write(bytesOf(sizes));
        else {
          const ptrs = new BigInt64Array(sizes.length);
          for (let i = 0; i < sizes.length; i++) {
            ptrs[i] = BigInt(pointer);
            pointer += sizes[i] * (opts.dtype === 'uint16' ? 2 : 4);
          }
          idx.write(bytesOf(ptrs));
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  // doc_idx: document boundaries in sequence numbers; each document is one sequence.
  const step = 1 << 16;
  for (let start = 0; start <= documents; start += step) {
    const n = Math.min(step, documents + 1 - start);
    const docIdx = new BigInt64Array(n);
    for (let i = 0; i < n; i++) docIdx[i] = BigInt(start + i);
    idx.write(bytesOf(docIdx));
  }
  const sum = idx.close();
  try {
    renameSync(tmp, idxFile);
  } catch (err) {
    throw new IoError(`cannot finish ${idxFile}: ${(err as Error).message}`, { path: idxFile }, { cause: err });
  }
  return { file: path.basename(idxFile), generation: opts.generation, sequences: 0, tokens: 0, bytes: idx.bytes, checksum: sum };
}
