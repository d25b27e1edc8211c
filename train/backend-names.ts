// Apart from backend.ts so that `kiln train --help` can list the backends without loading TensorFlow.js.

/** The backends `--backend` accepts; `auto` takes the fastest one that loads. */
export const BACKEND_NAMES = ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
