import * as tf from '@tensorflow/tfjs';

/** One weight tensor: its name in checkpoints, shape, how it starts, and whether AdamW decays it. */
export interface ParamSpec {
  name: string;
  shape: number[];
  init: { kind: 'normal'; std: number } | { kind: 'zeros' } | { kind: 'ones' };
  /** nanoGPT's rule: matrices (embeddings, linear weights) decay; biases and norm gains do not. */
  decay: boolean;
}

/** A model's weights as named tf variables, created in a fixed order from one seed. */
export class ParamStore {
  readonly specs: readonly ParamSpec[];
  private readonly vars = new Map<string, tf.Variable>();

  /** Creates every variable; parameter i draws from seed+i, so init is the same on every backend. */
  constructor(specs: readonly ParamSpec[], seed: number) {
    this.specs = specs;
    specs.forEach((spec, i) => {
      const init = tf.tidy(() => {
        if (spec.init.kind === 'normal') return tf.randomNormal(spec.shape, 0, spec.init.std, 'float32', seed + i);
        return spec.init.kind === 'zeros' ? tf.zeros(spec.shape) : tf.ones(spec.shape);
      });
      // tfjs names variables globally; leaving the name unset keeps two models in one process apart.
      this.vars.set(spec.name, tf.variable(init, true));
      init.dispose();
    });
  }

  /** The variable named `name` (a programming error if absent). */
  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (v === undefined) throw new Error(`no parameter named ${name}`);
    return v;
  }

  /** Variables in spec order. */
  list(): tf.Variable[] {
    return this.specs.map((s) => this.get(s.name));
  }

  /** Number of scalar weights. */
  count(): number {
    return this.specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
  }

  /** Frees the variables. */
  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
