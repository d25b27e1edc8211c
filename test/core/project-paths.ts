import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (tests run from dist/test/..., sources live in test/...). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The shared real-world data folder beside the project. */
export const sharedData = path.resolve(projectRoot, '../shared/data');
/** The built CLI. */
export const kilnBin = path.join(projectRoot, 'dist/cli/bin.js');
