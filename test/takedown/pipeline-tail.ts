// The stages after the crawl that every takedown test's pipeline shares: dedupe, GPT-2 tokens and
// small shards (seq 32, 4 KiB shards), so a few hundred pages fill many shards and a takedown
// rebuilds some and keeps others.

/** The YAML of the dedupe, tokenize and shard stages (indented under `stages:`). */
export function pipelineTail(valFraction: number): string {
  return `  dedupe:
    threshold: 0.8
  tokenize:
    tokenizer: gpt2
  shard:
    seqLen: 32
    valFraction: ${valFraction}
    shardBytes: 4096
    batchBytes: 1024
`;
}
