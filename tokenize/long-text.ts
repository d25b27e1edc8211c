// Cutting very long texts into pieces that tokenize independently to the same ids.

/**
 * Cuts `text` into chunks of at most ~`maxChars` each, only right after a whitespace character
 * (preferring a newline). Only for tokenizers whose pre-tokenizer splits at whitespace and
 * drops it (BERT's), where a cut there cannot change the ids; kiln's byte-level BPE needs no
 * cutting because its scanner is already linear (gpt2-pretokenizer.ts).
 */
export function splitAtWhitespace(text: string, maxChars: number): string[] {
  const out: string[] = [];
  let from = 0;
  while (text.length - from > maxChars) {
    const limit = from + maxChars;
    let cut = text.lastIndexOf('\n', limit - 1);
    if (cut <= from) cut = text.lastIndexOf(' ', limit - 1);
    if (cut <= from) {
      // No whitespace in the window: find the next one instead, however far (still linear).
      const m = /\s/.exec(text.slice(limit));
      if (m === null) break;
      cut = limit + m.index;
    }
    out.push(text.slice(from, cut + 1));
    from = cut + 1;
  }
  out.push(text.slice(from));
  return out;
}
