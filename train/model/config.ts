import { z } from 'zod';

/**
 * A model's shape. `vocabSize` and `seqLen` come from the shards (index.json), the rest from a
 * preset or a CONFIG.json; every knob has its default next to it.
 */
export const ModelConfigSchema = z.strictObject({
  /** gpt: learned positions, LayerNorm, GELU MLP, biases. llama: RoPE, RMSNorm, SwiGLU, no biases. */
  arch: z.enum(['gpt', 'llama']),
  vocabSize: z.number().int().positive(),
  /** Longest context the model sees; a GPT's position table has this many rows. */
  seqLen: z.number().int().positive(),
  dModel: z.number().int().positive(),
  nLayer: z.number().int().positive(),
  nHead: z.number().int().positive(),
  /** Hidden width of the MLP; default 4*dModel (gpt) or the 8/3*dModel Llama rounds to a multiple of 32. */
  dFf: z.number().int().positive().optional(),
  /** Output head shares the token embedding matrix (GPT-2 does; Llama does not). */
  tieEmbeddings: z.boolean().default(true),
  normEps: z.number().positive().default(1e-5),
  ropeTheta: z.number().positive().default(10000),
  /** Std of the normal init; residual output projections get initStd/sqrt(2*nLayer) (GPT-2). */
  initStd: z.number().positive().default(0.02),
});
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

/** What a preset or CONFIG.json may say: everything except what the data decides. */
export type ModelShape = Omit<z.input<typeof ModelConfigSchema>, 'vocabSize' | 'seqLen'> & { seqLen?: number };

/**
 * Presets: the -mini/-small ones are sized for a CPU: gpt-mini is the 0.94M-parameter model of deps.md §3 (at vocab 4096),
 * which trains at ~1k tokens/s on one WASM core, so learning shows in a few minutes.
 */
export const MODEL_PRESETS: Record<string, ModelShape> = {
  'gpt-mini': { arch: 'gpt', dModel: 128, nLayer: 2, nHead: 4 },
  'gpt-small': { arch: 'gpt', dModel: 256, nLayer: 4, nHead: 8 },
  'llama-mini': { arch: 'llama', dModel: 128, nLayer: 2, nHead: 4, tieEmbeddings: false },
  // For a GPU (--backend webgpu): GPT-2 small's shape, 124M parameters at GPT-2's 50257 vocabulary.
  'gpt2-124m': { arch: 'gpt', dModel: 768, nLayer: 12, nHead: 12, seqLen: 1024 },
  // The same width and depth as a Llama (RoPE, RMSNorm, SwiGLU at 8/3·d = 2048, no biases); the head is
  // tied to the embedding, as in Llama 3.2's small models, to land at 124M too (untied: 162M).
  'llama-124m': { arch: 'llama', dModel: 768, nLayer: 12, nHead: 12, tieEmbeddings: true },
};

/** The MLP width this config uses. */
export function ffWidth(config: ModelConfig): number {
  if (config.dFf !== undefined) return config.dFf;
  if (config.arch === 'gpt') return 4 * config.dModel;
  return Math.ceil((8 * config.dModel) / 3 / 32) * 32;
}

/** Head width; dModel must split evenly into heads (and into rotary pairs for llama). */
export function headDim(config: ModelConfig): number {
  return config.dModel / config.nHead;
}

/** Validates a full config, including the cross-field rules zod cannot express per field. */
export function parseModelConfig(value: unknown): ModelConfig {
  const config = ModelConfigSchema.parse(value);
  if (config.dModel % config.nHead !== 0) {
    throw new z.ZodError([{ code: 'custom', path: ['nHead'], message: `dModel ${config.dModel} is not divisible by nHead ${config.nHead}`, input: config.nHead }]);
  }
  if (config.arch === 'llama' && headDim(config) % 2 !== 0) {
    throw new z.ZodError([{ code: 'custom', path: ['nHead'], message: `RoPE needs an even head width, got ${headDim(config)}`, input: config.nHead }]);
  }
  return config;
}

/**
 * The full config for `model` (a preset name, a CONFIG.json path already parsed by the caller, or a
 * shape) on data of this vocabulary and sequence length. The position table needs at least seqLen rows.
 */
export function modelConfigFor(shape: Record<string, unknown>, data: { vocabSize: number; seqLen: number }): ModelConfig {
  const seqLen = typeof shape.seqLen === 'number' ? Math.max(shape.seqLen, data.seqLen) : data.seqLen;
  return parseModelConfig({ ...shape, vocabSize: data.vocabSize, seqLen });
}
