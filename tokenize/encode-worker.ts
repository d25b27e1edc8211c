// Worker-thread entry of the encode pool: loads the tokenizer once, then encodes batches.
// Texts arrive as one UTF-8 buffer plus end offsets, token ids leave as one Uint32Array plus
// end offsets; both directions transfer the buffers instead of copying them. A `part` request
// comes back as a finished Parquet part instead: encoding parts here, in parallel, keeps the
// main thread (which only writes and commits them) from capping the stage at ~one core's
// worth of ZSTD.
import { parentPort, workerData } from 'node:worker_threads';
import type { Row } from '../core/document.js';
import type { EncodedPartResult } from './encode-pool.js';
import { JsonlBatchError, parseJsonlDocuments, type BatchPlace } from './jsonl-documents.js';
import { loadTokenizer } from './load.js';
import { TokenBuffer } from './token-buffer.js';
import type { TokenizerInfo } from './tokenizer.js';
import { TOKENS_COLUMNS } from './tokens-columns.js';

/** A batch sent to a worker. */
export interface EncodeRequest {
  id: number;
  text: Uint8Array;
  /** ends[i] = byte offset where text i ends (unused for `jsonl`). */
  ends: Uint32Array;
  /** When set, `text` is whole JSONL lines that this worker parses into documents. */
  jsonl?: { idField: string; textField: string; place?: BatchPlace };
  /** When set, the reply is one Parquet part of `{id, tokens}` rows; `ids` name the texts (not needed with `jsonl`). */
  part?: { ids?: string[] };
}

/** What a worker posts back. */
export type EncodeReply =
  | { type: 'ready'; info: TokenizerInfo }
  | { type: 'result'; id: number; tokens: Uint32Array; ends: Uint32Array }
  | ({ type: 'part'; id: number } & EncodedPartResult)
  | { type: 'error'; id: number; code: string; message: string; line?: number; key?: string }
  /** Share (0..1) of batch `id`'s text encoded so far: a big part moves the progress bar while it runs. */
  | { type: 'progress'; id: number; done: number };

type Reply = Exclude<EncodeReply, { type: 'ready' | 'error' | 'progress' }>;

// A progress message after every ~1 Mi characters encoded or 200 ms, whichever comes first:
// often enough for a redrawn bar to move inside one part, rare enough to cost nothing next to
// encoding.
const PROGRESS_CHARS = 1 << 20;
const PROGRESS_MS = 200;

const port = parentPort!;
const { tokenizer: spec } = workerData as { tokenizer: string };
// A leading U+FEFF is text to tokenize (and, like core's stream decoder, a BOM on a JSONL
// line stays in the line): a default TextDecoder would drop it.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
// Arrow + parquet-wasm load (~80 ms) on the first part request only.
let parquetWrite: Promise<typeof import('../core/parquet-write.js')> | undefined;

try {
  const tok = loadTokenizer(spec);
  const info: TokenizerInfo = { name: tok.name, hash: tok.hash, vocabSize: tok.vocabSize, eosId: tok.eosId };
  port.postMessage({ type: 'ready', info } satisfies EncodeReply);
  port.on('message', (req: EncodeRequest) => {
    void handle(req).then(
      (reply) => port.postMessage(reply, reply.type === 'part' ? [reply.data.buffer as ArrayBuffer] : [reply.tokens.buffer as ArrayBuffer, reply.ends.buffer as ArrayBuffer]),
      (err: unknown) => {
        if (err instanceof JsonlBatchError) {
          port.postMessage({ type: 'error', id: req.id, code: 'KILN_CORRUPT_INPUT', message: err.message, line: err.line, key: err.key } satisfies EncodeReply);
          return;
        }
        const e = err as { code?: string; message?: string };
        port.postMessage({ type: 'error', id: req.id, code: e?.code ?? 'KILN_TOKENIZE', message: e?.message ?? String(err) } satisfies EncodeReply);
      },
    );
  });

  async function handle(req: EncodeRequest): Promise<Reply> {
    if (req.part) parquetWrite ??= import('../core/parquet-write.js');
    let texts: string[];
    let ids = req.part?.ids;
    let lines: number | undefined;
    if (req.jsonl) {
      const parsed = parseJsonlDocuments(utf8.decode(req.text), req.jsonl.idField, req.jsonl.textField, req.jsonl.place);
      texts = parsed.texts;
      ids = parsed.ids;
      lines = parsed.lines;
    } else {
      texts = new Array(req.ends.length);
      let from = 0;
      for (let i = 0; i < req.ends.length; i++) {
        texts[i] = utf8.decode(req.text.subarray(from, req.ends[i]));
        from = req.ends[i];
      }
    }
    const { out, ends } = await encodeAll(texts, req.text.length, req.id);
    if (!req.part) return { type: 'result', id: req.id, tokens: out.data.slice(0, out.length), ends };
    const rows: Row[] = new Array(texts.length);
    let from = 0;
    for (let i = 0; i < texts.length; i++) {
      rows[i] = { id: ids![i], tokens: out.data.subarray(from, ends[i]) };
      from = ends[i];
    }
    const { encodeParquet } = await parquetWrite!;
    const data = rows.length > 0 ? encodeParquet(TOKENS_COLUMNS, rows, { statistics: false }) : new Uint8Array(0);
    return { type: 'part', id: req.id, data, rows: rows.length, tokens: out.length, lines };
  }

  async function encodeAll(texts: string[], bytes: number, id: number): Promise<{ out: TokenBuffer; ends: Uint32Array }> {
    const ends = new Uint32Array(texts.length);
    // ~1 token per 4 bytes of English; the buffer grows if not.
    const out = new TokenBuffer(Math.max(1024, bytes >> 2));
    if (tok.encodeInto) {
      let total = 0;
      for (const t of texts) total += t.length;
      let done = 0;
      let postedChars = 0;
      let postedAt = Date.now();
      for (let i = 0; i < texts.length; i++) {
        tok.encodeInto(texts[i], out);
        ends[i] = out.length;
        done += texts[i].length;
        const now = Date.now();
        if (done - postedChars >= PROGRESS_CHARS || now - postedAt >= PROGRESS_MS) {
          postedChars = done;
          postedAt = now;
          port.postMessage({ type: 'progress', id, done: done / total } satisfies EncodeReply);
        }
      }
    } else {
      const all = await tok.encodeBatch(texts);
      all.forEach((ids, i) => {
        out.append(ids);
        ends[i] = out.length;
      });
    }
    return { out, ends };
  }
} catch (err) {
  const e = err as { code?: string; message?: string };
  port.postMessage({ type: 'error', id: -1, code: e?.code ?? 'KILN_TOKENIZE', message: e?.message ?? String(err) } satisfies EncodeReply);
}
