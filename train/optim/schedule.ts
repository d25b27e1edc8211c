/** Learning-rate schedule knobs (nanoGPT's names). */
export interface ScheduleConfig {
  /** Peak learning rate, reached at the end of warmup. */
  lr: number;
  /** Floor the cosine decays to. */
  minLr: number;
  warmupSteps: number;
  /** Step at which the cosine reaches minLr; usually the run's total steps. */
  decaySteps: number;
}

/** Learning rate for optimizer step `step` (0-based): linear warmup, then cosine down to minLr. */
export function learningRate(step: number, s: ScheduleConfig): number {
  if (step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  if (step >= s.decaySteps) return s.minLr;
  const progress = (step - s.warmupSteps) / Math.max(1, s.decaySteps - s.warmupSteps);
  return s.minLr + 0.5 * (1 + Math.cos(Math.PI * progress)) * (s.lr - s.minLr);
}
