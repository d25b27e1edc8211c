// The library: `import { ... } from 'kiln'`.
export * from './core/index.js';
