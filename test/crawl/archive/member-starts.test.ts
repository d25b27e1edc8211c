import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipMembers, listMemberStarts, openWarcSource, planArchiveTasks, taskRanges } from '../../../crawl/archive/index.js';
import { seededRandom } from '../../../core/seeded-random.js';
import { requireSharedData } from '../../core/project-paths.js';

// Every gzip-compressed WARC/WET/WAT file of the shared data (clueweb is one whole-file member).
const GZ_FILES = [
  'pywb/iana.warc.gz',
  'dolma/sample-0000.warc.gz',
  'resiliparse/warcfile.warc.gz',
  'ukwa/BL-20140325121225068-00000-32090~opera~8443.warc.gz',
  'ukwa/IAH-urls-wget.warc.gz',
  'ukwa/transfer_compression_gzip.warc.gz',
  'copycat/clueweb12-0000tw-00.warc.gz',
  'warcio/example.warc.gz',
  'commoncrawl-whirlwind/whirlwind.warc.gz',
  'commoncrawl-whirlwind/whirlwind.warc.wet.gz',
  'commoncrawl-whirlwind/whirlwind.warc.wat.gz',
];

/** The member starts as the sequential decoder meets them: the truth. */
async function trueStarts(file: string): Promise<number[]> {
  const starts: number[] = [];
  for await (const piece of gunzipMembers(openWarcSource(file), file)) if (piece.member !== undefined) starts.push(piece.member);
  return starts;
}

test('member starts found by scanning equal the sequential decoder\'s, for every shared .gz archive', async (t) => {
  const warcDir = requireSharedData(t, 'warc');
  if (!warcDir) return;
  for (const name of GZ_FILES) {
    const file = path.join(warcDir, name);
    const truth = await trueStarts(file);
    assert.ok(truth.length >= 1, name);
    assert.deepEqual(await listMemberStarts(file), truth, name);
  }
});

test('planned byte ranges start at true member starts, cover each file once, in file order', async (t) => {
  const warcDir = requireSharedData(t, 'warc');
  if (!warcDir) return;
  const files = ['pywb/iana.warc.gz', 'cc_net/sample.warc.wet', 'ukwa/BL-20140325121225068-00000-32090~opera~8443.warc.gz', 'dolma/sample-0000.warc.gz'].map((f) => path.join(warcDir, f));
  for (const tasks of [1, 3, 6]) {
    const plan = await planArchiveTasks(files, { tasks });
    assert.equal(plan.length, tasks);
    const ranges = plan.flatMap(taskRanges);
    assert.deepEqual([...new Set(ranges.map((r) => r.warc))], files, 'files in order');
    for (const file of files) {
      const own = ranges.filter((r) => r.warc === file);
      const starts = file.endsWith('.gz') ? new Set(await trueStarts(file)) : new Set([0]);
      assert.equal(own[0].start, 0);
      assert.equal(own.at(-1)!.end, undefined, 'the last range runs to the end of the file');
      for (let i = 0; i < own.length; i++) {
        assert.ok(starts.has(own[i].start), `${file}: ${own[i].start} is a member start`);
        if (i > 0) assert.equal(own[i].start, own[i - 1].end, 'ranges are contiguous');
      }
    }
  }
});

test('an uncompressed or one-member archive cannot be cut: asking for more tasks than it makes is a usage error', async (t) => {
  const warcDir = requireSharedData(t, 'warc');
  if (!warcDir) return;
  for (const name of ['cc_net/sample.warc.wet', 'copycat/clueweb12-0000tw-00.warc.gz']) {
    await assert.rejects(planArchiveTasks([path.join(warcDir, name)], { tasks: 2 }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'KILN_USAGE');
      assert.match(e.message, /--tasks 2: these archives make at most 1 tasks/);
      return true;
    });
  }
});

test('fuzz: corrupted, truncated and magic-stuffed archives never hang or crash the scan or the planner', async (t) => {
  const warcDir = requireSharedData(t, 'warc');
  if (!warcDir) return;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-members-'));
  try {
    const source = readFileSync(path.join(warcDir, 'resiliparse/warcfile.warc.gz'));
    const truth = await trueStarts(path.join(warcDir, 'resiliparse/warcfile.warc.gz'));
    const random = seededRandom(17);
    for (let round = 0; round < 40; round++) {
      const bytes = Buffer.from(source);
      const edits = 1 + Math.floor(random() * 20);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * bytes.length);
        // Random bytes, or a gzip magic planted where there is no member.
        if (random() < 0.5) bytes[at] = Math.floor(random() * 256);
        else bytes.set([0x1f, 0x8b, 0x08, 0x00].slice(0, bytes.length - at), at);
      }
      const cut = random() < 0.3 ? bytes.subarray(0, Math.floor(random() * bytes.length)) : bytes;
      const file = path.join(dir, `f${round}.warc.gz`);
      writeFileSync(file, cut);
      const found = await listMemberStarts(file);
      for (let i = 0; i < found.length; i++) {
        assert.ok(found[i] >= 0 && found[i] < cut.length && (i === 0 || found[i] > found[i - 1]), `round ${round}: ascending offsets inside the file`);
      }
      // What the scan verifies holds a whole intact member, and this file has no others.
      for (const at of found) assert.ok(truth.includes(at), `round ${round}: ${at} is a real member start`);
      assert.equal((await planArchiveTasks([file], { tasks: 1 })).length, 1);
      // Cut by size: as many ranges as verified starts allow, each starting at one.
      const ranges = (await planArchiveTasks([file], { targetBytes: 8 * 1024 })).flatMap(taskRanges);
      for (const r of ranges.slice(1)) assert.ok(found.includes(r.start), `round ${round}: range at ${r.start}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
