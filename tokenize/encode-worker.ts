// Worker-thread entry of the encode pool: loads the tokenizer once, then encodes batches.
// Texts arrive as one UTF-8 buffer plus end offsets, token ids leave as one Uint32Array plus
// end offsets; both directions transfer the buffers instead of copying them.
import { parentPort, workerData } from 'node:worker_threads';
import { loadTokenizer } from './load.js';
import { TokenBuffer } from './token-buffer.js';
import type { TokenizerInfo } from './tokenizer.js';

/** A batch sent to a worker. */
export interface EncodeRequest {
  id: number;
  text: Uint8Array;
  /** ends[i] = byte offset where text i ends. */
  ends: Uint32Array;
}

/** What a worker posts back. */
export type EncodeReply =
  | { type: 'ready'; info: TokenizerInfo }
  | { type: 'result'; id: number; tokens: Uint32Array; ends: Uint32Array }
  | { type: 'error'; id: number; code: string; message: string };

const port = parentPort!;
const { tokenizer: spec } = workerData as { tokenizer: string };
const utf8 = new TextDecoder();

try {
  const tok = loadTokenizer(spec);
  const info: TokenizerInfo = { name: tok.name, hash: tok.hash, vocabSize: tok.vocabSize, eosId: tok.eosId };
  port.postMessage({ type: 'ready', info } satisfies EncodeReply);
  port.on('message', (req: EncodeRequest) => {
    void encodeBatch(req).then(
      (reply) => port.postMessage(reply, [reply.tokens.buffer as ArrayBuffer, reply.ends.buffer as ArrayBuffer]),
      (err: unknown) => {
        const e = err as { code?: string; message?: string };
        port.postMessage({ type: 'error', id: req.id, code: e?.code ?? 'KILN_TOKENIZE', message: e?.message ?? String(err) } satisfies EncodeReply);
      },
    );
  });

  async function encodeBatch(req: EncodeRequest): Promise<Extract<EncodeReply, { type: 'result' }>> {
    const n = req.ends.length;
    const ends = new Uint32Array(n);
    const texts: string[] = new Array(n);
    let from = 0;
    for (let i = 0; i < n; i++) {
      texts[i] = utf8.decode(req.text.subarray(from, req.ends[i]));
      from = req.ends[i];
    }
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
    return { type: 'result', id: req.id, tokens: out.data.slice(0, out.length), ends };
  }
} catch (err) {
  const e = err as { code?: string; message?: string };
  port.postMessage({ type: 'error', id: -1, code: e?.code ?? 'KILN_TOKENIZE', message: e?.message ?? String(err) } satisfies EncodeReply);
}
