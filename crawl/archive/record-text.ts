/**
 * What text a WARC record contributes: HTML responses and resources go through charset
 * decoding and main-text extraction; WET conversion records are already text; everything
 * else (requests, metadata, warcinfo, revisits, non-HTML payloads) is skipped with a reason.
 */
import { decodeHtml, extractMainText } from '../extract/index.js';
import { htmlToPlainText } from '../live/plain-text.js';
import { decodeHttpBody, parseHttpResponse } from './http-payload.js';
import type { WarcRecord } from './warc-reader.js';

/** A record's page: stable id (WARC-Record-ID), target URL and text. */
export interface RecordPage {
  id: string;
  url: string | null;
  text: string;
  title?: string;
  /** The HTML was longer than the extractor's cap (MAX_HTML_CHARS) and only its start was read. */
  extractTruncated?: true;
}

/** A page, or why the record gives none (a stats counter name). */
export type RecordOutcome = { page: RecordPage } | { skip: string };

const HTML_TYPE = /^\s*(text\/html|application\/xhtml\+xml)/i;
const utf8 = new TextDecoder('utf-8');

/** Strips the angle brackets WARC 1.0 (and Wget, on URIs) put around identifiers. */
export function unbracket(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1) : t;
}

function looksLikeHtml(body: Uint8Array): boolean {
  const head = utf8.decode(body.subarray(0, 512)).trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || head.includes('<head') || head.includes('<body');
}

/** Turns one record into a page or a skip reason; `maxPayloadBytes` caps decompressed HTTP bodies; `extractor` as the live crawl's. */
export function recordText(rec: WarcRecord, maxPayloadBytes: number, extractor: 'main' | 'plain' = 'main'): RecordOutcome {
  const t = rec.type;
  if (t === 'revisit') return { skip: 'revisit' };
  if (t !== 'response' && t !== 'resource' && t !== 'conversion') return { skip: `not_page_${t || 'untyped'}` };
  if (rec.oversize || !rec.block) return { skip: 'record_too_large' };
  const id = unbracket(rec.headers.get('warc-record-id')) ?? `${rec.offset}:${rec.within}`;
  const url = unbracket(rec.headers.get('warc-target-uri')) ?? null;
  const warcType = rec.headers.get('content-type') ?? '';
  if (t === 'conversion') {
    const text = utf8.decode(rec.block).trim();
    return text ? { page: { id, url, text } } : { skip: 'empty_text' };
  }
  let body: Uint8Array;
  let contentType: string;
  if (t === 'response' && (!warcType || /application\/http/i.test(warcType))) {
    const res = parseHttpResponse(rec.block);
    if (!res) return { skip: 'not_http' };
    if (res.status < 200 || res.status >= 300) return { skip: 'http_status' };
    contentType = res.headers.get('content-type') ?? rec.headers.get('warc-identified-payload-type') ?? '';
    const decoded = decodeHttpBody(res, maxPayloadBytes);
    if (decoded === 'too_large') return { skip: 'payload_too_large' };
    body = decoded;
  } else {
    // resource records (and responses not wrapping HTTP, e.g. dns:) carry the payload directly
    contentType = warcType;
    body = rec.block;
  }
  if (!HTML_TYPE.test(contentType) && !(contentType === '' && looksLikeHtml(body))) return { skip: 'not_html' };
  const html = decodeHtml(body, contentType);
  const extracted: { text: string; title?: string; truncated?: true } = extractor === 'main' ? extractMainText(html, { url: url ?? undefined }) : htmlToPlainText(html);
  const { text, title, truncated } = extracted;
  if (!text) return { skip: 'empty_text' };
  return { page: truncated ? { id, url, text, title, extractTruncated: true } : { id, url, text, title } };
}
