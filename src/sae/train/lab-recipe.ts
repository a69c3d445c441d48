// The schedule parts of the lab's training recipe, in one place so the trainer (src/worker/sae-jobs.ts) and the
// SAELens export (../saelens-export.ts) cannot drift apart.
import type { LrSchedule } from './schedule';

/** λ of the standard (ReLU + L1) SAE when none is given: Anthropic's value for inputs scaled to E‖x‖ ≈ √d_in. */
export const DEFAULT_L1 = 5;

/** The learning rate over a training of `steps`: warm-up over min(100, 10%) steps, constant, linear decay to 0 over the last 20%. */
export function labLrSchedule(lr: number, steps: number): LrSchedule {
  return { lr, warmupSteps: Math.min(100, Math.floor(steps / 10)), decay: 'linear', decayStart: Math.floor(steps * 0.8), totalSteps: steps };
}

/** Steps over which the standard SAE's L1 coefficient rises linearly to λ: the first 5% (at least 1). */
export function labL1WarmupSteps(steps: number): number {
  return Math.max(1, Math.floor(steps * 0.05));
}
