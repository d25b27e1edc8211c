import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { KilnError, UsageError } from '../core/errors.js';

import { BACKEND_NAMES, type BackendName } from './backend-names.js';

export { BACKEND_NAMES, type BackendName };

/** A backend is not installed or failed to initialise. */
export class BackendUnavailableError extends KilnError {
  constructor(message: string, backend: string, options?: { cause?: unknown }) {
    super('KILN_BACKEND_UNAVAILABLE', message, { key: backend }, options);
  }
}

/** The chosen backend and why the faster ones were skipped. */
export interface BackendChoice {
  /** What `--backend` names it: tensorflow-gpu, tensorflow, wasm or cpu. */
  name: Exclude<BackendName, 'auto'>;
  /** The tfjs engine's own name for it (`tensorflow` for both tfjs-node flavours). */
  engine: string;
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

async function activate(name: Exclude<BackendName, 'auto'>): Promise<void> {
  if (name === 'tensorflow-gpu' || name === 'tensorflow') return tryNodeBackend(name);
  if (!(await tf.setBackend(name))) {
    throw new BackendUnavailableError(`the ${name} backend failed to initialise`, name);
  }
}

// tfjs's cpu backend prints a multi-line "install our node backend" banner the first time it
// stores a tensor in Node; kiln logs its own backend choice instead, so the banner is switched off.
function silenceNodeHint(): void {
  const backend = tf.backend() as unknown as { firstUse?: boolean };
  if (backend.firstUse === true) backend.firstUse = false;
}

/** Activates the named backend (`auto`: tensorflow-gpu > tensorflow > wasm > cpu) and says which one it got. */
export async function selectBackend(requested: BackendName): Promise<BackendChoice> {
  if (!BACKEND_NAMES.includes(requested)) {
    throw new UsageError(`unknown backend "${requested}"; expected one of ${BACKEND_NAMES.join(', ')}`, { key: 'backend' });
  }
  const candidates: Exclude<BackendName, 'auto'>[] =
    requested === 'auto' ? ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] : [requested];
  const skipped: { name: string; reason: string }[] = [];
  for (const name of candidates) {
    try {
      await activate(name);
      await tf.ready();
      if (tf.getBackend() === 'cpu') silenceNodeHint();
      return { name, engine: tf.getBackend(), skipped };
    } catch (err) {
      if (requested !== 'auto') throw err;
      skipped.push({ name, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  throw new BackendUnavailableError(`no tfjs backend could be initialised: ${JSON.stringify(skipped)}`, 'auto');
}
