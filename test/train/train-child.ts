// Test helper (not a test): runs one training job in a child process so a test can SIGKILL it.
// Usage: KILN_TRAIN_CHILD=1 node train-child.js '<TrainConfigInput JSON>'
import { train } from '../../train/index.js';
import { markovCorpus, memorySource } from './memory-source.js';

/** The corpus every child trains on: fixed, so an interrupted and an uninterrupted run see the same data. */
export const CHILD_DATA = { vocabSize: 16, seqLen: 16 };

if (process.env.KILN_TRAIN_CHILD === '1') {
  const config = JSON.parse(process.argv[2] ?? '{}') as Parameters<typeof train>[0];
  const trainTokens = markovCorpus(20000, CHILD_DATA.vocabSize, 0.1, 11);
  const valTokens = markovCorpus(2000, CHILD_DATA.vocabSize, 0.1, 12);
  const summary = await train(config, { openSource: memorySource(trainTokens, valTokens, CHILD_DATA.seqLen, CHILD_DATA.vocabSize) });
  process.stdout.write(JSON.stringify(summary) + '\n');
}
