import path from 'node:path';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { UsageError } from '../../core/errors.js';
import { makeDirs } from '../../core/make-dirs.js';
import { renderCardPage } from './card-html.js';
import { buildCard, type CardOptions, type DatasetCard } from './dataset-card.js';

/** Where card.json goes for a card page: beside it, `.html` replaced by `.json`. */
export function cardJsonPath(html: string): string {
  return html.replace(/\.html?$/i, '') + '.json';
}

/** Builds the card of `dirs` and writes `out` (HTML) and card.json beside it; returns the card. */
export async function writeCard(dirs: readonly string[], out: string, options: CardOptions = {}): Promise<{ card: DatasetCard; html: string; json: string }> {
  if (!/\.html?$/i.test(out)) throw new UsageError(`--out ${out}: the card is an HTML file; name it *.html (card.json is written beside it)`, { path: out });
  const card = await buildCard(dirs, options);
  const html = path.resolve(out);
  const json = cardJsonPath(html);
  await makeDirs(path.dirname(html));
  await writeFileAtomic(json, JSON.stringify(card, null, 1) + '\n');
  await writeFileAtomic(html, renderCardPage(card));
  return { card, html, json };
}
