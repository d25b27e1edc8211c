import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { KilnError, UsageError } from '../core/errors.js';

import { BACKEND_NAMES, type BackendName } from './backend-names.js';
import { installWebgpu, NoAdapterReason, type AdapterDescription } from './webgpu-adapter.js';

export { BACKEND_NAMES, type BackendName };

/** A backend is not installed or failed to initialise. */
export class BackendUnavailableError extends KilnError {
  constructor(message: string, backend: string, options?: { cause?: unknown }) {
    super('KILN_BACKEND_UNAVAILABLE', message, { key: backend }, options);
  }
}

/** The chosen backend and why the faster ones were skipped. */
export interface BackendChoice {
  /** What `--backend` names it: tensorflow-gpu, webgpu, tensorflow, wasm or cpu. */
  name: Exclude<BackendName, 'auto'>;
  /** The tfjs engine's own name for it (`tensorflow` for both tfjs-node flavours). */
  engine: string;
  /** The GPU the webgpu backend runs on; null for the others. */
  adapter: AdapterDescription | null;
  /** Why each earlier candidate of `auto` was passed over. */
  skipped: { name: string; reason: string }[];
}

// tfjs-node and tfjs-node-gpu cannot be installed everywhere (their install downloads libtensorflow),
// so they are optional peers: imported by a computed name, so neither tsc nor a bundler requires them.
const NODE_PACKAGES: Record<'tensorflow-gpu' | 'tensorflow', string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

async function tryNodeBackend(name: 'tensorflow-gpu' | 'tensorflow'): Promise<void> {
  const pkg = NODE_PACKAGES[name];
  try {
    await import(pkg);
  } catch (err) {
    throw new BackendUnavailableError(`${pkg} is not installed (npm install ${pkg}@${tf.version.tfjs})`, name, { cause: err });
  }
  if (!(await tf.setBackend('tensorflow'))) {
    throw new BackendUnavailableError(`${pkg} loaded but its backend failed to initialise`, name);
  }
}

// The tfjs WebGPU backend checks navigator.gpu when it is imported and registers nothing without
// it, so it is imported only after installWebgpu found an adapter and set the globals up.
async function tryWebgpu(): Promise<AdapterDescription> {
  let adapter: AdapterDescription;
  try {
    adapter = await installWebgpu();
  } catch (err) {
    if (err instanceof NoAdapterReason) throw new BackendUnavailableError(err.message, 'webgpu');
    throw err;
  }
  await import('@tensorflow/tfjs-backend-webgpu');
  let ok = false;
  try {
    ok = await tf.setBackend('webgpu');
  } catch (err) {
    throw new BackendUnavailableError(`the WebGPU adapter ${adapter.vendor} ${adapter.architecture} failed to open a device: ${(err as Error).message}`, 'webgpu', { cause: err });
  }
  if (!ok) throw new BackendUnavailableError(`the WebGPU adapter ${adapter.vendor} ${adapter.architecture} failed to open a device`, 'webgpu');
  return adapter;
}

async function activate(name: Exclude<BackendName, 'auto'>): Promise<AdapterDescription | null> {
  if (name === 'webgpu') return tryWebgpu();
  if (name === 'tensorflow-gpu' || name === 'tensorflow') {
    await tryNodeBackend(name);
    return null;
  }
  if (!(await tf.setBackend(name))) {
    throw new BackendUnavailableError(`the ${name} backend failed to initialise`, name);
  }
  return null;
}

// tfjs's cpu backend prints a multi-line "install our node backend" banner the first time it
// stores a tensor in Node; kiln logs its own backend choice instead, so the banner is switched off.
function silenceNodeHint(): void {
  const backend = tf.backend() as unknown as { firstUse?: boolean };
  if (backend.firstUse === true) backend.firstUse = false;
}

/** Activates the named backend (`auto`: tensorflow-gpu > webgpu > tensorflow > wasm > cpu) and says which one it got. */
export async function selectBackend(requested: BackendName): Promise<BackendChoice> {
  if (!BACKEND_NAMES.includes(requested)) {
    throw new UsageError(`unknown backend "${requested}"; expected one of ${BACKEND_NAMES.join(', ')}`, { key: 'backend' });
  }
  const candidates: Exclude<BackendName, 'auto'>[] =
    requested === 'auto' ? ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] : [requested];
  const skipped: { name: string; reason: string }[] = [];
  for (const name of candidates) {
    try {
      const adapter = await activate(name);
      await tf.ready();
      if (tf.getBackend() === 'cpu') silenceNodeHint();
      return { name, engine: tf.getBackend(), adapter, skipped };
    } catch (err) {
      if (requested !== 'auto') throw err;
      skipped.push({ name, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  throw new BackendUnavailableError(`no tfjs backend could be initialised: ${JSON.stringify(skipped)}`, 'auto');
}
