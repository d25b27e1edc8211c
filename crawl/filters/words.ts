/** Word tokenisation shared by the quality filters (a Unicode stand-in for datatrove's word splitter). */

// Words (letters/digits/marks with inner apostrophes, hyphens, dots) or single symbols, so
// that "symbol words" exist as in the Gopher rules.
const TOKEN = /[\p{L}\p{N}\p{M}_]+(?:['’.\-][\p{L}\p{N}\p{M}_]+)*|[^\s\p{L}\p{N}\p{M}_]/gu;

/** Splits a text into word and symbol tokens. */
export function splitWords(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

/** Number of repeated items and the characters they hold (datatrove's find_duplicates). */
export function findDuplicates(items: string[]): { count: number; chars: number } {
  const seen = new Set<string>();
  let count = 0;
  let chars = 0;
  for (const x of items) {
    if (seen.has(x)) {
      count++;
      chars += x.length;
    } else seen.add(x);
  }
  return { count, chars };
}
