import type { Command } from 'commander';
import { ConfigError, UsageError } from '../../core/errors.js';
import type { Tokenizer } from '../../tokenize/tokenizer.js';
import { BACKEND_NAMES, type BackendName } from '../../train/backend-names.js';
import { printJson } from '../print.js';

interface SampleFlags {
  prompt?: string;
  tokens: string;
  temperature: string;
  topK: string;
  seed: string;
  tokenizer?: string;
  backend: string;
  json?: boolean;
}

/**
 * The tokenizer to decode with: --tokenizer, else the one the checkpoint records. Either must
 * have the identity the model was trained with, else its ids would print as other text.
 */
async function sampleTokenizer(flag: string | undefined, recorded: { name: string; hash: string } | null, checkpoint: string): Promise<Tokenizer | undefined> {
  const name = flag ?? recorded?.name;
  if (name === undefined) return undefined;
  const { loadTokenizer } = await import('../../tokenize/load.js');
  let tokenizer: Tokenizer;
  try {
    tokenizer = loadTokenizer(name);
  } catch (err) {
    if (flag !== undefined || !(err instanceof ConfigError)) throw err;
    throw new ConfigError(`${checkpoint} was trained with tokenizer "${name}", which is not a built-in name: pass its file as --tokenizer`, { path: checkpoint, key: 'tokenizer' });
  }
  if (recorded && tokenizer.hash !== recorded.hash) {
    const given = flag === undefined ? `"${name}"` : `--tokenizer ${flag}`;
    throw new ConfigError(
      `${given} (${tokenizer.name}, ${tokenizer.hash.slice(0, 12)}) is not the tokenizer ${checkpoint} was trained with (${recorded.name}, ${recorded.hash.slice(0, 12)}): its ids mean other text`,
      { path: checkpoint, key: 'tokenizer' },
    );
  }
  return tokenizer;
}

function number(flag: string, value: string, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) throw new UsageError(`--${flag} expects a non-negative ${integer ? 'integer' : 'number'}, got "${value}"`, { key: flag });
  return n;
}

/** `kiln sample CHECKPOINT`: generates text from a trained model with the shards' tokenizer. */
export function register(program: Command): void {
  program
    .command('sample')
    .description('generate text from a kiln train checkpoint (a run directory or one step-N directory)')
    .argument('<checkpoint>', 'run directory (its newest checkpoint) or checkpoints/step-N')
    .option('--prompt <text>', 'text to continue (default: start of a document)')
    .option('--tokens <n>', 'tokens to generate', '200')
    .option('--temperature <x>', 'softmax temperature; 0 = greedy', '0.8')
    .option('--top-k <k>', 'sample among the k most likely tokens; 0 = all', '40')
    .option('--seed <n>', 'sampling seed', '0')
    .option('--tokenizer <name|file>', 'tokenizer (default: the one the shards were made with)')
    .option('--backend <name>', BACKEND_NAMES.join(' | '), 'auto')
    .option('--json', 'print one JSON object')
    .action(async (target: string, flags: SampleFlags) => {
      const { generate, modelFromCheckpoint, resolveCheckpoint, selectBackend } = await import('../../train/index.js');
      // An s3:// run directory is read from a fresh local copy (staged-stage.ts).
      const { localView } = await import('../../core/storage/staged-stage.js');
      const ck = await resolveCheckpoint(await localView(target, { refresh: true }));
      // Checked before the backend starts: a wrong tokenizer is refused at once.
      const tokenizer = await sampleTokenizer(flags.tokenizer, ck.manifest.tokenizer, ck.dir);
      const backend = await selectBackend(flags.backend as BackendName);
      let prompt: number[] = [];
      if (flags.prompt !== undefined) {
        if (tokenizer === undefined) throw new UsageError('--prompt needs a tokenizer: the checkpoint names none, pass --tokenizer', { key: 'prompt' });
        prompt = Array.from(await tokenizer.encode(flags.prompt));
      }
      const model = modelFromCheckpoint(ck);
      const ids = await generate(model, prompt, {
        maxNewTokens: number('tokens', flags.tokens, true),
        temperature: number('temperature', flags.temperature, false),
        topK: number('top-k', flags.topK, true),
        seed: number('seed', flags.seed, true),
        stopAt: ck.manifest.eosId ?? undefined,
      });
      const text = tokenizer === undefined ? undefined : await tokenizer.decode(ids);
      model.params.dispose();
      if (flags.json) return printJson({ checkpoint: ck.dir, step: ck.manifest.step, backend: backend.name, prompt: flags.prompt ?? null, ids, text: text ?? null });
      process.stdout.write((flags.prompt ?? '') + (text ?? ids.join(' ')) + '\n');
    });
}
