import { test } from 'node:test';
import assert from 'node:assert/strict';
import { c4Quality, finewebQuality, gopherQuality, gopherRepetition, qualityFilterConfig, qualityFilters } from '../../../crawl/filters/index.js';

const good = [
  'The committee met on Tuesday to discuss the budget for the coming year, and the members agreed that the plan should be revised.',
  'Several speakers said that the proposal was too expensive and that the town should have a clearer way to pay for new roads.',
  'After a long debate, the chair asked the staff to prepare two options with the costs of each, to be presented at the next meeting.',
  'Residents who attended the session were invited to share their views, and many of them spoke about traffic and the state of the parks.',
  'The final decision is expected next month, when the council will vote on the revised budget together with the plan for the schools.',
  'Local businesses have asked to be consulted as well, since the changes to parking would affect the shops in the center of town.',
].join('\n');

test('a clean English article passes every filter', () => {
  assert.deepEqual(qualityFilters(good), { keep: true, text: good });
});

test('each filter names its drop reason', () => {
  assert.equal(gopherQuality('too short to be a document'), 'gopher_short_doc');
  assert.equal(gopherQuality(`${good}\n${'#tag '.repeat(100)}`), 'gopher_too_many_hashes');
  assert.equal(gopherQuality(good.replace(/\b(the|be|to|of|and|that|have|with)\b/gi, 'x')), 'gopher_enough_stop_words');
  assert.equal(gopherRepetition(`${good}\n${'same line repeated here\n'.repeat(30)}`), 'dup_line_frac');
  assert.equal(gopherRepetition(`${good}\n\n${good}\n\n${good}`), 'dup_para_frac');
  assert.deepEqual(c4Quality(`${good}\nLorem ipsum dolor sit amet, consectetur.`), { drop: 'lorem_ipsum' });
  assert.deepEqual(c4Quality(`${good}\nfunction f() { return 1; } is code here`), { drop: 'curly_bracket' });
  assert.deepEqual(c4Quality('One sentence only. Two.'), { drop: 'too_few_sentences' });
  const c4 = c4Quality(`${good}\nPlease enable JavaScript to view this site.\nRead our privacy policy here.\nok`);
  assert.equal(c4.text, good);
  assert.equal(finewebQuality(`${good}\n${'short\n'.repeat(40)}`), 'short_line_ratio');
  assert.equal(finewebQuality(good.replace(/\./g, '')), 'line_punct_ratio');
  assert.equal(finewebQuality(`${good}\n${good.split('\n')[0]}`), 'char_dup_ratio');
});

test('thresholds are configurable and filters can be switched off', () => {
  const cfg = qualityFilterConfig.parse({ gopherQuality: { minDocWords: 5 }, c4: { minNumSentences: 1 }, fineweb: { enabled: false } });
  assert.equal(cfg.gopherRepetition.dupLineFrac, 0.3);
  assert.equal(cfg.gopherQuality.minDocWords, 5);
  const short = 'The cat sat with the dog and the bird. It was nice to see.';
  assert.equal(qualityFilters(short).keep, false);
  assert.equal(qualityFilters(short, cfg).keep, true);
});
