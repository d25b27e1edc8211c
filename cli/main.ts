import { Command, CommanderError } from 'commander';
import { KilnError, describeError } from '../core/errors.js';

// Each command lives in cli/commands/<name>.ts and exports register(program).
const COMMANDS = ['crawl', 'extract', 'dedupe', 'compact-index', 'tokenizer', 'tokenize', 'shard', 'train', 'sample', 'run', 'task', 'status', 'schedule', 'inspect', 'quickstart'];

async function loadCommands(program: Command, argv: string[]): Promise<void> {
  // Commands import their stages (TensorFlow.js, tokenizers, ...): load only the one asked for,
  // and all of them just for the overview help.
  const asked = argv[2];
  const names = COMMANDS.includes(asked) ? [asked] : COMMANDS;
  for (const name of names) {
    const url = new URL(`./commands/${name}.js`, import.meta.url);
    let mod: { register?: (p: Command) => void };
    try {
      mod = (await import(url.href)) as typeof mod;
    } catch (err) {
      // A command whose stage has not landed yet is simply absent; any other failure is real.
      const e = err as NodeJS.ErrnoException & { url?: string };
      if (e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(url.pathname)) continue;
      throw err;
    }
    mod.register?.(program);
  }
}

/** Builds the `kiln` program with every available command. */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('kiln')
    .description('Raw web text to training-ready token shards, and a trainer fed by them.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  await loadCommands(program, argv);
  return program;
}

/** Runs the CLI; errors become one line `kiln: <code>: <message>` and exit 1 (2 for bad usage). */
export async function main(argv: string[]): Promise<void> {
  let program: Command;
  try {
    program = await buildProgram(argv);
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        process.exitCode = 0;
        return;
      }
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`kiln: ${describeError(err)}\n`);
    if (process.env.KILN_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = err instanceof KilnError ? err.exitCode : 1;
  }
}
