import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readDocuments } from '../../core/input-files.js';
import { ContaminationFinder } from '../../dedupe/contamination.js';
import { runDecontaminate } from '../../dedupe/decontaminate-run.js';
import { buildEvalIndex } from '../../dedupe/eval-sets.js';
import { kiln } from '../cli/kiln-process.js';
import { requireSharedData } from '../core/project-paths.js';
import { writeContaminationCorpus } from './contamination-corpus.js';

async function rows(dir: string): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  for await (const d of readDocuments([dir])) out.set(d.id, d);
  return out;
}

const settings = { ngram: 13, evalFields: ['text'], shortItems: 'line' as const, minItemWords: 3, maxNgrams: 1 << 20 };

test('drop: all 200 injected passages found (whole and 13+-word spans), none of the other 4,800 documents dropped', { timeout: 300_000 }, async (t) => {
  const shared = requireSharedData(t, 'text');
  if (!shared) return;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-decon-'));
  const c = writeContaminationCorpus(path.dirname(shared), dir);
  assert.equal(c.injected.size, 200);
  const out = path.join(dir, 'out');
  const s = await runDecontaminate({ inputs: c.docFiles, out, config: { eval: [c.evalFile] }, quiet: true });
  assert.equal(s.stopped, false);
  assert.equal(s.stats.documents, 5000);
  assert.equal(s.stats.dropped_contaminated, 200);
  assert.equal(s.stats['contaminated:passages.jsonl'], 200);
  assert.equal(s.eval.items, 200);
  const kept = await rows(out);
  assert.equal(kept.size, 4800);
  for (const id of c.injected.keys()) assert.ok(!kept.has(id), `${id} (injected) was kept`);
  for (const id of c.original.keys()) if (!c.injected.has(id)) assert.equal(kept.get(id)?.text, c.original.get(id), `${id} kept unchanged`);
  // The excluded dataset names, per dropped document, the eval file and the passage injected.
  const excluded = await rows(path.join(out, 'excluded'));
  assert.equal(excluded.size, 200);
  for (const [id, pid] of c.injected) {
    const e = excluded.get(id)!;
    assert.equal(e.eval_file, 'passages.jsonl');
    assert.equal(e.eval_item, pid, `${id}: the item hit`);
    assert.equal(e.reason, 'contaminated');
    assert.ok(c.passages.get(pid)!.includes(String(e.eval_match).split(/\s+/)[0]), 'the match is text of the passage');
  }
  // A second run finds it complete.
  const again = await runDecontaminate({ inputs: c.docFiles, out, config: { eval: [c.evalFile] }, quiet: true });
  assert.equal(again.skipped, true);
  // A changed eval file is another config: refused without --overwrite.
  await fs.appendFile(c.evalFile, JSON.stringify({ id: 'extra', text: 'one more passage of thirteen words or more to change the eval set now' }) + '\n');
  await assert.rejects(runDecontaminate({ inputs: c.docFiles, out, config: { eval: [c.evalFile] }, quiet: true }), (e: Error & { code?: string }) => e.code === 'KILN_CONFIG_CHANGED');
});

test('mask: the shared spans are cut out, every other document is unchanged, each masked one is in excluded/', { timeout: 300_000 }, async (t) => {
  const shared = requireSharedData(t, 'text');
  if (!shared) return;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-decon-mask-'));
  const c = writeContaminationCorpus(path.dirname(shared), dir, 5);
  const out = path.join(dir, 'out');
  const s = await runDecontaminate({ inputs: c.docFiles, out, config: { eval: [c.evalFile], mode: 'mask' }, quiet: true });
  assert.equal(s.stats.masked, 200);
  assert.equal(s.stats.kept, 4800);
  const docs = await rows(out);
  assert.equal(docs.size, 5000);
  const index = await buildEvalIndex([{ path: c.evalFile, label: 'passages.jsonl', fingerprint: '' }], settings);
  const finder = new ContaminationFinder(index, 13);
  for (const [id, text] of c.original) {
    const got = String(docs.get(id)!.text);
    if (!c.injected.has(id)) {
      assert.equal(got, text, `${id} unchanged`);
      continue;
    }
    assert.deepEqual(finder.find(got, true), [], `${id}: no eval 13-gram left`);
    // Only the injected words went: what is left, compared word by word, is the original document
    // plus at most the punctuation-only leftovers at the injection's edges.
    const words = (x: string) => x.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w));
    assert.deepEqual(words(got), words(text), `${id}: the original words are all kept`);
  }
  const excluded = await rows(path.join(out, 'excluded'));
  assert.equal(excluded.size, 200);
  for (const [id, pid] of c.injected) assert.equal(excluded.get(id)!.eval_item, pid);
});

test('short eval items (fewer words than the n-gram) match whole document lines only, as dolma does', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-decon-short-'));
  const evalFile = path.join(dir, 'qa.txt');
  await fs.writeFile(evalFile, 'What is the capital of France?\nyes\n');
  const docs = path.join(dir, 'docs.jsonl');
  await fs.writeFile(docs, [
    { id: 'line', text: 'Quiz night.\n  what is the CAPITAL of france  \nAnswers below.' },
    { id: 'inside', text: 'Someone asked what is the capital of France and nobody knew.' },
    { id: 'yes', text: 'Did it work?\nYes\nGood.' },
  ].map((d) => JSON.stringify(d)).join('\n') + '\n');
  const s = await runDecontaminate({ inputs: [docs], out: path.join(dir, 'out'), config: { eval: [evalFile] }, quiet: true });
  assert.deepEqual([...(await rows(path.join(dir, 'out'))).keys()].sort(), ['inside', 'yes']);
  assert.equal(s.eval.items_skipped_short, 1, '"yes" is under --min-item-words');
  const skip = await runDecontaminate({ inputs: [docs], out: path.join(dir, 'out-skip'), config: { eval: [evalFile], shortItems: 'skip', ngram: 5 }, quiet: true });
  // With --ngram 5 the 6-word item forms two 5-grams: found inside a line too; "yes" is skipped.
  assert.equal(skip.stats.dropped_contaminated, 2);
  assert.deepEqual([...(await rows(path.join(dir, 'out-skip'))).keys()], ['yes']);
  // Past --max-ngrams the run is refused before any task, naming the file and line that crossed it.
  await fs.appendFile(evalFile, 'a third item, long enough to add several more five-word n-grams\n');
  await assert.rejects(
    runDecontaminate({ inputs: [docs], out: path.join(dir, 'out-limit'), config: { eval: [evalFile], ngram: 5, maxNgrams: 4 }, quiet: true }),
    (e: Error & { code?: string }) => e.code === 'KILN_CONFIG' && /qa\.txt:line 3: the evaluation sets pass 4 distinct n-grams/.test(e.message),
  );
  await assert.rejects(fs.stat(path.join(dir, 'out-limit')), 'nothing written');
});

test('CLI from another directory with relative paths; a bad eval file fails naming the file and line', { timeout: 300_000 }, async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-decon-cli-'));
  await fs.mkdir(path.join(dir, 'work'));
  await fs.mkdir(path.join(dir, 'data'));
  const passage = 'But soft, what light through yonder window breaks? It is the east, and Juliet is the sun.';
  await fs.writeFile(path.join(dir, 'data/eval.jsonl'), JSON.stringify({ id: 'rj', question: passage }) + '\n');
  await fs.writeFile(path.join(dir, 'data/docs.jsonl'), [
    { id: 'a', text: `A blog post. ${passage} Then more words.` },
    { id: 'b', text: 'Nothing from any play here, only ordinary web text about the weather today.' },
  ].map((d) => JSON.stringify(d)).join('\n') + '\n');
  const work = path.join(dir, 'work');
  const ok = await kiln(['decontaminate', '--in', '../data/docs.jsonl', '--eval', '../data/eval.jsonl', '--eval-field', 'question', '--out', 'clean', '--json'], work);
  assert.equal(ok.code, 0, ok.stderr);
  const summary = JSON.parse(ok.stdout) as { stats: Record<string, number> };
  assert.equal(summary.stats.dropped_contaminated, 1);
  assert.equal(summary.stats['contaminated:eval.jsonl'], 1);
  assert.deepEqual([...(await rows(path.join(work, 'clean'))).keys()], ['b']);
  assert.equal((await rows(path.join(work, 'clean/excluded'))).get('a')?.eval_item, 'rj');
  // The default eval field is `text`, which these items lack: an error, not a silent no-op.
  const noField = await kiln(['decontaminate', '--in', '../data/docs.jsonl', '--eval', '../data/eval.jsonl', '--out', 'other'], work);
  assert.equal(noField.code, 1);
  assert.match(noField.stderr, /^kiln: KILN_CORRUPT_INPUT: eval file \S+eval\.jsonl:1: field "text" is missing/m);
  await fs.writeFile(path.join(dir, 'data/bad.jsonl'), `${JSON.stringify({ text: passage })}\n\n{"text": "broken\n`);
  const bad = await kiln(['decontaminate', '--in', '../data/docs.jsonl', '--eval', '../data/bad.jsonl', '--out', 'bad'], work);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^kiln: KILN_CORRUPT_INPUT: eval file \S+\/data\/bad\.jsonl:3: invalid JSON/m);
  const mode = await kiln(['decontaminate', '--in', '../data/docs.jsonl', '--eval', '../data/eval.jsonl', '--out', 'x', '--mode', 'erase'], work);
  assert.equal(mode.code, 2);
  assert.match(mode.stderr, /^kiln: KILN_USAGE: --mode must be drop or mask/m);
});

test('pipeline stage: `decontaminate:` in a pipeline file runs, and a bad key is refused naming it', { timeout: 120_000 }, async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-decon-pipe-'));
  const passage = 'But soft, what light through yonder window breaks? It is the east';
  await fs.writeFile(path.join(dir, 'docs.jsonl'), [{ id: 'a', text: `intro. ${passage}. end` }, { id: 'b', text: 'plain web text here' }].map((d) => JSON.stringify(d)).join('\n') + '\n');
  await fs.writeFile(path.join(dir, 'eval.jsonl'), JSON.stringify({ id: 'rj', text: passage }) + '\n');
  const yaml = (extra: string) => `name: decon\nworkdir: ./runs\nstages:\n  decontaminate: { inputs: [./docs.jsonl], eval: [./eval.jsonl], ngram: 5${extra} }\n`;
  await fs.writeFile(path.join(dir, 'p.yaml'), yaml(''));
  const ok = await kiln(['run', 'p.yaml'], dir);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual([...(await rows(path.join(dir, 'runs/decontaminate'))).keys()], ['b']);
  assert.equal((await rows(path.join(dir, 'runs/decontaminate/excluded'))).get('a')?.eval_item, 'rj');
  await fs.writeFile(path.join(dir, 'bad.yaml'), yaml(', mode: erase'));
  const bad = await kiln(['run', 'bad.yaml'], dir);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^kiln: KILN_CONFIG: \S+bad\.yaml:4: stages\.decontaminate\.mode: /m);
});
