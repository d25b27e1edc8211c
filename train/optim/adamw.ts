import * as tf from '@tensorflow/tfjs';
import type { ParamStore } from '../model/params.js';

/** AdamW knobs; defaults are nanoGPT's. */
export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay (Loshchilov & Hutter): p ← p − lr·wd·p, separate from the Adam step. */
  weightDecay: number;
}

/** Default AdamW settings (GPT-2 / nanoGPT). */
export const ADAMW_DEFAULTS: AdamWConfig = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };

/** AdamW over a ParamStore, its moments kept as tf variables beside the weights. */
export class AdamW {
  /** Updates applied so far (bias correction uses it; checkpoints store it). */
  step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(
    private readonly params: ParamStore,
    private readonly config: AdamWConfig = ADAMW_DEFAULTS,
  ) {
    for (const spec of params.specs) {
      // tf.variable keeps a reference to its initial tensor's data: made inside tidy so nothing else does.
      this.m.set(spec.name, tf.tidy(() => tf.variable(tf.zeros(spec.shape), false)));
      this.v.set(spec.name, tf.tidy(() => tf.variable(tf.zeros(spec.shape), false)));
    }
  }

  /** Applies one update with learning rate `lr` from `grads` (keyed by parameter name). */
  apply(grads: Map<string, tf.Tensor>, lr: number): void {
    const { beta1, beta2, eps, weightDecay } = this.config;
    this.step += 1;
    const correction1 = 1 - Math.pow(beta1, this.step);
    const correction2 = 1 - Math.pow(beta2, this.step);
    for (const spec of this.params.specs) {
      const g = grads.get(spec.name);
      if (g === undefined) continue;
      const p = this.params.get(spec.name);
      const m = this.m.get(spec.name)!;
      const v = this.v.get(spec.name)!;
      tf.tidy(() => {
        const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        const update = tf.div(tf.div(m1, correction1), tf.add(tf.sqrt(tf.div(v1, correction2)), eps));
        const decayed = spec.decay && weightDecay > 0 ? tf.mul(p, 1 - lr * weightDecay) : p;
        p.assign(tf.sub(decayed, tf.mul(update, lr)));
        m.assign(m1);
        v.assign(v1);
      });
    }
  }

  /** Moment variables by name, for checkpoints. */
  moments(): { name: string; m: tf.Variable; v: tf.Variable }[] {
    return this.params.specs.map((s) => ({ name: s.name, m: this.m.get(s.name)!, v: this.v.get(s.name)! }));
  }

  /** Frees the moment variables. */
  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
