import * as tf from '@tensorflow/tfjs';
import { CheckpointError, type LoadedCheckpoint, type NamedTensor } from './checkpoint.js';
import { createModel, type CausalLM } from './model/model.js';
import type { AdamW } from './optim/adamw.js';

/** The tensors a checkpoint stores: weights as `param/<name>`, AdamW moments as `adam.m/…`, `adam.v/…`. */
export function checkpointTensors(model: CausalLM, optimizer?: AdamW): NamedTensor[] {
  const tensors: NamedTensor[] = model.params.specs.map((s) => ({ name: `param/${s.name}`, tensor: model.params.get(s.name) }));
  for (const { name, m, v } of optimizer?.moments() ?? []) {
    tensors.push({ name: `adam.m/${name}`, tensor: m }, { name: `adam.v/${name}`, tensor: v });
  }
  return tensors;
}

/** Copies a checkpoint's weights (and moments and step, when `optimizer` is given) into live variables. */
export function restoreTensors(ck: LoadedCheckpoint, model: CausalLM, optimizer?: AdamW): void {
  const take = (name: string, target: tf.Variable): void => {
    const entry = ck.tensors.get(name);
    if (entry === undefined || entry.shape.join('x') !== target.shape.join('x')) {
      throw new CheckpointError(`checkpoint ${ck.dir} has no tensor ${name} of shape [${target.shape.join(', ')}]`, ck.dir);
    }
    const value = tf.tensor(entry.values, entry.shape, 'float32');
    target.assign(value);
    value.dispose();
  };
  for (const spec of model.params.specs) take(`param/${spec.name}`, model.params.get(spec.name));
  if (optimizer !== undefined) {
    for (const { name, m, v } of optimizer.moments()) {
      take(`adam.m/${name}`, m);
      take(`adam.v/${name}`, v);
    }
    optimizer.step = ck.manifest.optimizer.step;
  }
}

/** Rebuilds the model a checkpoint holds (for sampling and evaluation). */
export function modelFromCheckpoint(ck: LoadedCheckpoint): CausalLM {
  const model = createModel(ck.manifest.model, ck.manifest.seed);
  restoreTensors(ck, model);
  return model;
}
