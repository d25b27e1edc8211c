// Object storage vs local disk on this machine, with the S3 server .ci/s3.sh starts (Ceph RGW on
// memstore, 127.0.0.1), equal work on both sides:
// - loader: one epoch of the same Arrow shards (batch 32 x 1024 tokens), local path vs s3://
//   (ranged GETs through the SDK), tokens handed out per second;
// - writer: the same bytes written as committed parts (writeCommittedPart: stream, checksum,
//   pending upload, commit record, copy to the final name), local directory (tmp + fsync +
//   rename) vs S3 (multipart, 8 MiB parts, then a server-side copy), MB/s; and, alone, the
//   seconds of one more copy of the written part (the copy step's share of the write).
// Runs alternate (local first on even repeats); medians; the load average is printed with each.
// Run (after eval "$(bash .ci/s3.sh start)"):
//   node dist/bench/storage/s3-vs-local.js [--tokens 8000000] [--write-mb 128] [--repeats 3]
import { existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, DeleteBucketCommand } from '@aws-sdk/client-s3';
import { copyTree } from '../../core/storage/copy-tree.js';
import { writeCommittedPart } from '../../core/storage/committed-parts.js';
import { openStorage } from '../../core/storage/open-storage.js';
import type { S3Storage } from '../../core/storage/s3.js';
import { runShard } from '../../shard/index.js';
import { createLoader } from '../../train/loader/index.js';
import { GPT2_EOS, GPT2_VOCAB, writeTokenCorpus } from '../shard/token-corpus.js';

process.env.KILN_LOG ??= 'silent';
const argv = process.argv.slice(2);
const arg = (name: string, def: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const TOKENS = arg('tokens', 8_000_000);
const WRITE_MB = arg('write-mb', 128);
const REPEATS = arg('repeats', 3);
if (!process.env.AWS_ENDPOINT_URL) throw new Error('no S3 server: run eval "$(bash .ci/s3.sh start)" first');

const load = (): string => os.loadavg().map((l) => l.toFixed(1)).join(' / ');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const root = path.join(os.tmpdir(), 'kiln-bench-storage');
const corpus = path.join(root, 'corpus');
const shards = path.join(root, 'shards');
if (!existsSync(path.join(shards, 'index.json'))) {
  writeTokenCorpus(corpus, TOKENS);
  await runShard({ inputs: [corpus], out: shards, seqLen: 1024, eosId: GPT2_EOS, vocabSize: GPT2_VOCAB, valFraction: 0 });
}
const bucket = `kiln-bench-${Date.now()}`;
const s3 = openStorage(`s3://${bucket}/shards`) as S3Storage;
await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
await copyTree(openStorage(shards), s3);

async function epoch(index: string): Promise<number> {
  const loader = await createLoader({ index, batchSize: 32, seed: 1 });
  const t0 = performance.now();
  let tokens = 0;
  for (let b = await loader.next(); b; b = await loader.next()) {
    tokens += b.batchSize * (b.rowLength - 1);
    loader.release(b);
  }
  const s = (performance.now() - t0) / 1000;
  await loader.close();
  return tokens / s;
}

function* blocks(mb: number): Generator<Buffer> {
  const block = Buffer.alloc(1 << 20);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
  for (let i = 0; i < mb; i++) yield block;
}

async function write(location: string): Promise<{ mbs: number; copyS: number }> {
  const st = openStorage(location);
  const t0 = performance.now();
  const c = await writeCommittedPart(st, 0, 0, Readable.from(blocks(WRITE_MB)), { rows: 0, cursor: null });
  const s = (performance.now() - t0) / 1000;
  // The protocol's copy step on its own: the same copy again, to a probe key.
  const t1 = performance.now();
  await st.copy(c.file, 'copy-probe.bin', { size: c.bytes });
  const copyS = (performance.now() - t1) / 1000;
  await st.close();
  return { mbs: WRITE_MB / s, copyS };
}

const res = { loadLocal: [] as number[], loadS3: [] as number[], writeLocal: [] as number[], writeS3: [] as number[], copyLocal: [] as number[], copyS3: [] as number[] };
for (let r = 0; r < REPEATS; r++) {
  const order: Array<'local' | 's3'> = r % 2 === 0 ? ['local', 's3'] : ['s3', 'local'];
  for (const side of order) {
    const tps = await epoch(side === 'local' ? shards : `s3://${bucket}/shards`);
    (side === 'local' ? res.loadLocal : res.loadS3).push(tps);
    console.log(`loader ${side}: ${(tps / 1e6).toFixed(2)} M tokens/s (load ${load()})`);
  }
  for (const side of order) {
    const local = path.join(root, `write-${r}`);
    const { mbs, copyS } = await write(side === 'local' ? local : `s3://${bucket}/write-${r}`);
    rmSync(local, { recursive: true, force: true });
    (side === 'local' ? res.writeLocal : res.writeS3).push(mbs);
    (side === 'local' ? res.copyLocal : res.copyS3).push(copyS);
    console.log(`writer ${side}: ${mbs.toFixed(1)} MB/s, copy step ${copyS.toFixed(2)} s (load ${load()})`);
  }
}
const l = median(res.loadLocal);
const s = median(res.loadS3);
const wl = median(res.writeLocal);
const ws = median(res.writeS3);
console.log(`\nloader: local ${(l / 1e6).toFixed(2)} M tokens/s, S3 ${(s / 1e6).toFixed(2)} M tokens/s, S3/local ${(s / l).toFixed(2)}x`);
console.log(`writer: local ${wl.toFixed(1)} MB/s, S3 ${ws.toFixed(1)} MB/s, S3/local ${(ws / wl).toFixed(3)}x`);
const cs = median(res.copyS3);
console.log(`copy step of a ${WRITE_MB} MiB part: local ${median(res.copyLocal).toFixed(2)} s, S3 ${cs.toFixed(2)} s (${((cs / (WRITE_MB / ws)) * 100).toFixed(0)}% of the S3 write)`);
console.log(`tokens ${TOKENS}, write ${WRITE_MB} MiB, repeats ${REPEATS}, load ${load()}, ${new Date().toISOString()}`);
// The test server keeps objects in 2 GiB of RAM: a bench that left ~400 MB per run filled it.
const all = openStorage(`s3://${bucket}`);
for await (const o of all.list()) await all.delete(o.key);
await all.close();
await s3.client.send(new DeleteBucketCommand({ Bucket: bucket }));
await s3.close();
