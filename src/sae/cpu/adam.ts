// CPU twin of shaders/adam.wgsl: one Adam step with bias correction (PyTorch's formulation), in place:
//   m ← β1 m + (1 − β1) g        v ← β2 v + (1 − β2) g²
//   p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
// The per-step scalars are computed once in float64 and rounded to float32 (adamScalars), and both sides use
// those; every operation below rounds to float32 as the shader does.
import { checkLength } from './matmul_bias';

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/** The shader's uniforms for step t (1-based), float32-rounded. */
export interface AdamScalars {
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  eps: number;
  /** lr / (1 − β1ᵗ) */
  stepSize: number;
  /** √(1 − β2ᵗ) */
  sqrtBc2: number;
}

export function adamScalars(h: AdamHyper, t: number): AdamScalars {
  if (!Number.isInteger(t) || t < 1) throw new RangeError(`adam: step t = ${t} must be an integer ≥ 1`);
  const f = Math.fround;
  return {
    beta1: f(h.beta1),
    oneMinusBeta1: f(1 - f(h.beta1)),
    beta2: f(h.beta2),
    oneMinusBeta2: f(1 - f(h.beta2)),
    eps: f(h.eps),
    stepSize: f(h.lr / (1 - h.beta1 ** t)),
    sqrtBc2: f(Math.sqrt(1 - h.beta2 ** t)),
  };
}

export function adamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: AdamScalars): void {
  const n = p.length;
  checkLength('g', g, n);
  checkLength('m', m, n);
  checkLength('v', v, n);
  const f = Math.fround;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = f(f(s.beta1 * m[i]) + f(s.oneMinusBeta1 * gi));
    const vi = f(f(s.beta2 * v[i]) + f(s.oneMinusBeta2 * f(gi * gi)));
    m[i] = mi;
    v[i] = vi;
    const denom = f(f(f(Math.sqrt(vi)) / s.sqrtBc2) + s.eps);
    p[i] = f(p[i] - f(s.stepSize * f(mi / denom)));
  }
}
