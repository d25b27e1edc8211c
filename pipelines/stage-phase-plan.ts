// A pipeline stage's phases as an executor sees them before the run: names, array sizes and
// per-phase Slurm settings from the pipeline file. A defineStage stage is one phase.
import { ConfigError } from '../core/errors.js';
import { phasedOf, type PhaseShape } from './phased-stage.js';
import type { PhaseSlurmSettings, StageSlurmSettings } from './pipeline-file.js';
import type { PlannedStage } from './pipeline-plan.js';

/** One phase of a planned stage: its shape, array size and the Slurm settings of its jobs. */
export interface PlannedPhase extends PhaseShape {
  /** Array size fixed at submit time: 1 for single phases, else the phase's `tasks`, the stage's, or the default. */
  tasks: number;
  /** The stage's `slurm:` block with this phase's settings over it. */
  slurm: StageSlurmSettings;
}

/** The phases of a planned stage, in order. */
export function plannedPhases(s: PlannedStage, defaultTasks: number): PlannedPhase[] {
  const shapes = phasedOf(s.stage).shapes;
  const own = s.entry.slurm?.phases ?? {};
  const names = shapes.map((p) => p.name);
  for (const name of Object.keys(own)) {
    if (!names.includes(name)) throw new ConfigError(`stage ${s.key}: slurm.phases.${name}: no such phase (phases: ${names.join(', ')})`, { key: `stages.${s.key}.slurm.phases.${name}` });
  }
  return shapes.map((shape) => {
    const p: Partial<PhaseSlurmSettings> = own[shape.name] ?? {};
    const { tasks, extra_args, ...resources } = p;
    const defined = Object.fromEntries(Object.entries(resources).filter(([, v]) => v !== undefined));
    const slurm: StageSlurmSettings = { ...s.entry.slurm, ...defined, extra_args: [...(s.entry.slurm?.extra_args ?? []), ...(extra_args ?? [])], phases: undefined };
    return { ...shape, tasks: shape.single ? 1 : (tasks ?? s.tasks ?? shape.defaultTasks ?? defaultTasks), slurm };
  });
}

/** Task counts of the many-task phases whose pipeline entry sets them, by name (what the phases' plans need). */
export function phaseTaskCounts(s: PlannedStage): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [name, p] of Object.entries(s.entry.slurm?.phases ?? {})) if (p.tasks !== undefined) counts[name] = p.tasks;
  return counts;
}
