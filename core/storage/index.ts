export * from './storage.js';
export * from './local.js';
export * from './s3.js';
export * from './s3-location.js';
export * from './open-storage.js';
export * from './copy-tree.js';
export * from './committed-parts.js';
export * from './output-lease.js';
