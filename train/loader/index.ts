export { createLoader } from './create-loader.js';
export type { Batch, Loader, LoaderCounters, LoaderOptions, LoaderState } from './loader-types.js';
export { loaderOptionsSchema, loaderStateSchema } from './loader-types.js';
export { chunkRowOrder, planEpoch, splitChunks, type Chunk, type EpochPlan } from './epoch-plan.js';
