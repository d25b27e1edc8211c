// Child-process entry for kill/resume tests: node toy-run.js OUT WORKERS SLOW_MS INPUT...
import { stopSignal } from '../../cli/stop-signal.js';
import { runStage } from '../../core/run-stage.js';
import { toyStage } from './toy-stage.js';

const [out, workers, slowMs, ...inputs] = process.argv.slice(2);
const summary = await runStage(toyStage, { inputs, out, config: { slowMs: Number(slowMs) }, workers: Number(workers), quiet: true, signal: stopSignal() });
process.stdout.write(JSON.stringify(summary) + '\n');
