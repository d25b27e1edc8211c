// Child process for the kill/resume test: runs the tokenize stage with frequent commits.
import { runStage } from '../../core/run-stage.js';
import { closeEncodePool, setEncodeWorkers, tokenizeStage } from '../../tokenize/stage.js';

const [input, out] = process.argv.slice(2);
process.env.KILN_LOG = 'silent';
setEncodeWorkers(2);
await runStage(tokenizeStage, { inputs: [input], out, tasks: 2, quiet: true, config: { tokenizer: 'gpt2', partBytes: 6000, partDocuments: 8 } });
await closeEncodePool();
