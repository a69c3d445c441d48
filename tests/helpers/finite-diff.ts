// Gradient checks shared by the SAE trainers' tests: float64 central differences of a loss over every entry of a
// parameter tensor, and how much of a gradient one loss term accounts for.
import { expect } from 'vitest';

/**
 * (L(t + h·e_i) − L(t − h·e_i)) / 2h for every entry i of `t`, perturbing `t` in place and restoring it; `loss`
 * reads `t` (and whatever else it closes over). Every evaluation must succeed (ok).
 */
export function centralDifferences(t: Float64Array, h: number, loss: () => { ok: boolean; loss: number }): Float64Array {
  const fd = new Float64Array(t.length);
  for (let i = 0; i < t.length; i++) {
    const v = t[i];
    t[i] = v + h;
    const lp = loss();
    t[i] = v - h;
    const lm = loss();
    t[i] = v;
    expect(lp.ok && lm.ok).toBe(true);
    fd[i] = (lp.loss - lm.loss) / (2 * h);
  }
  return fd;
}

/** max |full − without| / max |full|: the share of a gradient that the term left out of `without` accounts for. */
export function termShare(full: ArrayLike<number>, without: ArrayLike<number>): number {
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < full.length; i++) {
    diff = Math.max(diff, Math.abs(full[i] - without[i]));
    ref = Math.max(ref, Math.abs(full[i]));
  }
  return diff / ref;
}
