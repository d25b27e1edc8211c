/**
 * Language id: eld (kiln's choice) vs franc on the trafilatura pages' extracted text, scored
 * against each page's <html lang>. Full texts and short prefixes (short texts are where
 * detectors differ). `node dist/bench/extraction/language.js`
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { franc } from 'franc';
import { decodeHtml, detectLanguage, extractMainText } from '../../crawl/extract/index.js';
import { loadTrafilatura } from './corpus.js';
import { benchData } from '../../test/core/project-paths.js';

// franc answers ISO 639-3; the corpus's languages mapped to the ISO 639-1 codes eld uses.
const ISO3: Record<string, string> = { eng: 'en', deu: 'de', fra: 'fr', spa: 'es', pol: 'pl', ita: 'it', nld: 'nl', por: 'pt', rus: 'ru', cmn: 'zh', arb: 'ar', ces: 'cs', swe: 'sv', dan: 'da', fin: 'fi', hun: 'hu', tur: 'tr', ukr: 'uk', jpn: 'ja', ell: 'el', ron: 'ro' };

/** Accuracy and time of both detectors per text prefix length. */
export function measureLanguageId(dataDir: string): { prefix: number; pages: number; eld: number; franc: number; eldMs: number; francMs: number }[] {
  const items: { lang: string; text: string }[] = [];
  for (const p of loadTrafilatura(dataDir) ?? []) {
    const html = decodeHtml(p.html);
    const m = /<html[^>]*\blang\s*=\s*["']?([a-zA-Z]{2})/i.exec(html);
    const text = extractMainText(html).text;
    if (m && text.length >= 200) items.push({ lang: m[1].toLowerCase(), text });
  }
  return [Infinity, 200, 60].map((prefix) => {
    let e = 0, f = 0, eMs = 0, fMs = 0;
    for (const it of items) {
      const t = it.text.slice(0, prefix);
      let t0 = performance.now();
      if (detectLanguage(t).lang === it.lang) e++;
      eMs += performance.now() - t0;
      t0 = performance.now();
      const fr = franc(t);
      if ((ISO3[fr] ?? fr) === it.lang) f++;
      fMs += performance.now() - t0;
    }
    return { prefix, pages: items.length, eld: e / items.length, franc: f / items.length, eldMs: eMs, francMs: fMs };
  });
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  for (const r of measureLanguageId(benchData('language-id bench'))) console.log(JSON.stringify(r));
}
