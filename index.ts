// The library: `import { ... } from 'kiln'`.
export * from './core/index.js';
export * from './shard/index.js';
export * from './train/index.js';
export * from './tokenize/index.js';
export * from './crawl/index.js';
export * from './dedupe/index.js';
export * from './pipelines/index.js';
