/** The peer extractor of the extraction benches: Mozilla Readability.js on a linkedom DOM (its usual Node setup). */
import { parseHTML } from 'linkedom';
import { Readability } from '@mozilla/readability';

/** Readability's article text for `html`, or "" when it finds no article. */
export function readabilityText(html: string): string {
  const { document } = parseHTML(html);
  return new Readability(document as unknown as ConstructorParameters<typeof Readability>[0]).parse()?.textContent ?? '';
}
