// Bytes of a fetched page → text. HTML goes through crawl/extract (charset detection and
// main-text extraction) for `extractor: 'main'`, or through the plain path here (charset from
// header/meta, every visible text) for `extractor: 'plain'`. crawl/extract failing to load is
// an error, never a quiet switch to plain text.
import { htmlToPlainText } from './plain-text.js';

/** The slice of crawl/extract the crawler uses. */
interface Extractor {
  decodeHtml(bytes: Uint8Array, contentType?: string): string;
  extractMainText(html: string, opts?: { url?: string }): { text: string; title?: string; truncated?: true };
}

/** Loads crawl/extract (lazily: `--extractor plain` never needs it); rejects when it fails to load. */
export async function loadExtractor(): Promise<Extractor> {
  const { decodeHtml, extractMainText } = await import('../extract/index.js');
  return { decodeHtml, extractMainText };
}

function charsetLabel(contentType: string | undefined, bytes: Uint8Array): string {
  const fromHeader = /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType ?? '')?.[1];
  if (fromHeader) return fromHeader;
  // HTML spec: look for <meta charset> in the first 1024 bytes.
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  return /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1] ?? 'utf-8';
}

/** Decodes bytes with the declared charset; an unknown or bogus label falls back to UTF-8 (never throws). */
export function decodeFallback(bytes: Uint8Array, contentType?: string): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  try {
    return new TextDecoder(charsetLabel(contentType, bytes)).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** Decoded HTML source, text and title of a fetched body. */
export interface PageText {
  html: string | null;
  text: string;
  title?: string;
  /** The HTML was longer than the extractor's cap and only its start was extracted. */
  extractTruncated?: true;
}

/** Turns a fetched body into text: HTML through the extractor (null: the plain path), text/plain decoded as is. */
export function pageText(ex: Extractor | null, bytes: Uint8Array, mediaType: string, contentTypeHeader: string | undefined, url: string): PageText {
  if (mediaType === 'text/plain') {
    const text = decodeFallback(bytes, contentTypeHeader);
    return { html: null, text: text.replace(/\r\n?/g, '\n').trim() };
  }
  if (ex) {
    const html = ex.decodeHtml(bytes, contentTypeHeader);
    const { text, title, truncated } = ex.extractMainText(html, { url });
    return { html, text, ...(title ? { title } : {}), ...(truncated ? { extractTruncated: true as const } : {}) };
  }
  const html = decodeFallback(bytes, contentTypeHeader);
  return { html, ...htmlToPlainText(html) };
}
