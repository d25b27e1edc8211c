import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectLanguage, replacePii } from '../../../crawl/extract/index.js';

test('PII: e-mails and public IPs replaced as FineWeb does; private IPs kept; switchable', () => {
  const t = 'Write to jane.doe+news@example.co.uk or visit 8.8.8.8, not 192.168.1.1 or 10.0.0.1; v6 2001:4860:4860::8888.';
  assert.equal(replacePii(t), 'Write to email@example.com or visit 0.0.0.0, not 192.168.1.1 or 10.0.0.1; v6 0.0.0.0.');
  assert.equal(replacePii(t, { emails: false, ips: false }), t);
  assert.equal(replacePii('version 1.2.3.4.5 and 300.1.1.1'), 'version 1.2.3.4.5 and 300.1.1.1');
});

test('language id gives a language and a score', () => {
  const en = detectLanguage('The quick brown fox jumps over the lazy dog while the farmer watches from the porch.');
  assert.equal(en.lang, 'en');
  assert.ok(en.score > 0.5 && en.score <= 1);
  assert.equal(detectLanguage('Der schnelle braune Fuchs springt über den faulen Hund, während der Bauer zusieht.').lang, 'de');
  assert.equal(detectLanguage('').lang, 'und');
});
