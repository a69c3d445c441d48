// Learning-rate schedules: the training step takes the rate as a plain number per step, so any schedule works;
// this is the usual one (linear warm-up, then constant, linear or cosine decay to `finalFraction` of the peak).

export interface LrSchedule {
  lr: number;
  /** Steps of linear warm-up from lr / warmupSteps to lr (0: none). */
  warmupSteps?: number;
  /** Total steps; the decay ends here. Needed unless decay is 'constant'. */
  totalSteps?: number;
  decay?: 'constant' | 'linear' | 'cosine';
  /** The rate at totalSteps as a fraction of lr (default 0). */
  finalFraction?: number;
  /** Decay starts after this many steps (default: right after warm-up). sparsify decays over the last 20%. */
  decayStart?: number;
}

/** Returns lr(step) for step = 0, 1, 2, ... */
export function lrSchedule(s: LrSchedule): (step: number) => number {
  const warm = s.warmupSteps ?? 0;
  const decay = s.decay ?? 'constant';
  const total = s.totalSteps ?? Infinity;
  const start = Math.max(warm, s.decayStart ?? warm);
  const floor = s.finalFraction ?? 0;
  if (decay !== 'constant' && !Number.isFinite(total)) throw new RangeError(`lrSchedule: '${decay}' decay needs totalSteps`);
  return (step) => {
    if (step < warm) return (s.lr * (step + 1)) / warm;
    if (decay === 'constant' || step < start) return s.lr;
    const t = Math.min(1, (step - start) / Math.max(1, total - start));
    const f = decay === 'linear' ? 1 - t : 0.5 * (1 + Math.cos(Math.PI * t));
    return s.lr * (floor + (1 - floor) * f);
  };
}
