import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import { eld as eldMedium } from 'eld/medium';
import { eldDetector, eldMediumTable, readLanguageTable, LANGUAGE_TABLE_PATH } from '../../../crawl/extract/language-table.js';
import { KilnError } from '../../../core/errors.js';

test('the language table the build wrote is eld\'s medium table, and a detector on it answers as eld/medium does', async () => {
  const table = readLanguageTable();
  assert.equal(JSON.stringify(table), JSON.stringify(await eldMediumTable()));
  const ours = eldDetector(table);
  const texts = [
    'The quick brown fox jumps over the lazy dog while the farmer watches from the porch.',
    'Der schnelle braune Fuchs springt über den faulen Hund, während der Bauer zusieht.',
    'Le renard brun rapide saute par-dessus le chien paresseux.',
    'Быстрая коричневая лиса прыгает через ленивую собаку.',
    '敏捷的棕色狐狸跳过了懒狗。',
    'xyzzy 12345',
    '',
  ];
  for (const t of texts) {
    const a = ours.detect(t);
    const b = eldMedium.detect(t);
    assert.equal(a.language, b.language, t);
    assert.deepEqual(a.getScores(), b.getScores(), t);
  }
});

test('a missing language table is an error naming the file and the command that writes it', () => {
  const missing = path.join(os.tmpdir(), `kiln-no-table-${process.pid}.json`);
  assert.throws(() => readLanguageTable(missing), (err: unknown) => err instanceof KilnError && err.code === 'KILN_LANGUAGE_TABLE' && err.path === missing && /npm run build/.test(err.message));
  assert.ok(LANGUAGE_TABLE_PATH.endsWith(path.join('crawl', 'extract', 'eld-medium.json')));
});
