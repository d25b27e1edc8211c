// Worker-thread entry of the encode pool: loads the tokenizer once, then encodes batches.
// Texts arrive as one UTF-8 buffer plus end offsets, token ids leave as one Uint32Array plus
// end offsets; both directions transfer the buffers instead of copying them.
import { parentPort, workerData } from 'node:worker_threads';
import { JsonlBatchError, parseJsonlDocuments } from './jsonl-documents.js';
import { loadTokenizer } from './load.js';
import { TokenBuffer } from './token-buffer.js';
import type { TokenizerInfo } from './tokenizer.js';

/** A batch sent to a worker. */
export interface EncodeRequest {
  id: number;
  text: Uint8Array;
  /** ends[i] = byte offset where text i ends (unused for `jsonl`). */
  ends: Uint32Array;
  /** When set, `text` is whole JSONL lines that this worker parses into documents. */
  jsonl?: { idField: string; textField: string };
}

/** What a worker posts back. */
export type EncodeReply =
  | { type: 'ready'; info: TokenizerInfo }
  | { type: 'result'; id: number; tokens: Uint32Array; ends: Uint32Array; ids?: string[]; lines?: number }
  | { type: 'error'; id: number; code: string; message: string; line?: number; key?: string };

const port = parentPort!;
const { tokenizer: spec } = workerData as { tokenizer: string };
// A leading U+FEFF is text to tokenize (and, like core's stream decoder, a BOM on a JSONL
// line stays in the line): a default TextDecoder would drop it.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

try {
  const tok = loadTokenizer(spec);
  const info: TokenizerInfo = { name: tok.name, hash: tok.hash, vocabSize: tok.vocabSize, eosId: tok.eosId };
  port.postMessage({ type: 'ready', info } satisfies EncodeReply);
  port.on('message', (req: EncodeRequest) => {
    void encodeBatch(req).then(
      (reply) => port.postMessage(reply, [reply.tokens.buffer as ArrayBuffer, reply.ends.buffer as ArrayBuffer]),
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

  async function encodeBatch(req: EncodeRequest): Promise<Extract<EncodeReply, { type: 'result' }>> {
    let texts: string[];
    let docs: { ids: string[]; lines: number } | undefined;
    if (req.jsonl) {
      const parsed = parseJsonlDocuments(utf8.decode(req.text), req.jsonl.idField, req.jsonl.textField);
      texts = parsed.texts;
      docs = parsed;
    } else {
      texts = new Array(req.ends.length);
      let from = 0;
      for (let i = 0; i < req.ends.length; i++) {
        texts[i] = utf8.decode(req.text.subarray(from, req.ends[i]));
        from = req.ends[i];
      }
    }
    const n = texts.length;
    const ends = new Uint32Array(n);
    // ~1 token per 4 bytes of English; the buffer grows if not.
    const out = new TokenBuffer(Math.max(1024, req.text.length >> 2));
    if (tok.encodeInto) {
      for (let i = 0; i < n; i++) {
        tok.encodeInto(texts[i], out);
        ends[i] = out.length;
      }
    } else {
      const all = await tok.encodeBatch(texts);
      all.forEach((ids, i) => {
        out.append(ids);
        ends[i] = out.length;
      });
    }
    return { type: 'result', id: req.id, tokens: out.data.slice(0, out.length), ends, ids: docs?.ids, lines: docs?.lines };
  }
} catch (err) {
  const e = err as { code?: string; message?: string };
  port.postMessage({ type: 'error', id: -1, code: e?.code ?? 'KILN_TOKENIZE', message: e?.message ?? String(err) } satisfies EncodeReply);
}
