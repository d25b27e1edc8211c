export * from './live/index.js';
export * from './archive/index.js';
export * from './extract/index.js';
