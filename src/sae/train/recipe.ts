// The data-dependent parts of the training recipe, computed once from a sample of activation rows before the
// first step (pure functions; the trainer, ./trainer.ts, calls them):
//
//   s     = √d_in / mean_i ‖x_i‖             SAELens normalize_activations "expected_average_only_in":
//                                             the scaled inputs s·x have E‖s·x‖ = √d_in
//   b_dec = mean_i x_i                       or the geometric median argmin_y Σ_i ‖x_i − y‖ (Weiszfeld), which
//                                             outliers barely move (SAELens b_dec_init_method "geometric_median")
import { SaeConfigError } from '../sae';

function rowsOf(sample: Float32Array, d: number, what: string): number {
  if (!Number.isInteger(d) || d < 1) throw new SaeConfigError(`${what}: d_in = ${d} must be a positive integer`);
  const n = sample.length / d;
  if (!Number.isInteger(n) || n < 1) {
    throw new SaeConfigError(`${what}: the sample holds ${sample.length} values, not a whole number (≥ 1) of rows of d_in = ${d}`);
  }
  return n;
}

/**
 * The input scale s that makes the mean row norm of s·x equal √d over `sample` [n, d]. Rows are activations;
 * SAELens estimates the same number from a few batches before training and folds it out on save.
 */
export function estimateInputScale(sample: Float32Array, d: number): number {
  const n = rowsOf(sample, d, 'estimateInputScale');
  let sumNorm = 0;
  for (let r = 0; r < n; r++) {
    let nn = 0;
    for (let c = 0; c < d; c++) nn += sample[r * d + c] ** 2;
    sumNorm += Math.sqrt(nn);
  }
  const meanNorm = sumNorm / n;
  if (!(meanNorm > 0) || !Number.isFinite(meanNorm)) {
    throw new SaeConfigError(`estimateInputScale: the sample's mean row norm is ${meanNorm}; the activations are all zero or not finite`);
  }
  return Math.sqrt(d) / meanNorm;
}

export type DecoderBiasInit = 'mean' | 'geometric_median' | 'zeros';

export interface GeometricMedianOptions {
  /** Weiszfeld iterations at most (default 100, as SAELens' compute_geometric_median). */
  maxIter?: number;
  /** Stop once the objective Σ‖x_i − y‖ improves by less than this fraction (default 1e-6). */
  tol?: number;
}

/** The mean row of `sample` [n, d], in float64. */
function meanRow(sample: Float32Array, n: number, d: number): Float64Array {
  const m = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) m[c] += sample[r * d + c];
  for (let c = 0; c < d; c++) m[c] /= n;
  return m;
}

/** Distances ‖x_i − y‖ [n] and their sum. */
function distances(sample: Float32Array, n: number, d: number, y: Float64Array, out: Float64Array): number {
  let total = 0;
  for (let r = 0; r < n; r++) {
    let nn = 0;
    for (let c = 0; c < d; c++) nn += (sample[r * d + c] - y[c]) ** 2;
    total += out[r] = Math.sqrt(nn);
  }
  return total;
}

/**
 * Geometric median of the rows of `sample` [n, d] by Weiszfeld's iteration from the mean:
 * y ← Σ w_i x_i / Σ w_i with w_i = 1 / max(‖x_i − y‖, ε). A fixed number of iterations at most, stopping early
 * when the objective stops improving.
 */
export function geometricMedian(sample: Float32Array, d: number, opts: GeometricMedianOptions = {}): Float32Array {
  const n = rowsOf(sample, d, 'geometricMedian');
  const maxIter = opts.maxIter ?? 100;
  const tol = opts.tol ?? 1e-6;
  let y = meanRow(sample, n, d);
  const dist = new Float64Array(n);
  let obj = distances(sample, n, d, y, dist);
  const eps = 1e-12 * Math.max(1, obj / n);
  for (let it = 0; it < maxIter; it++) {
    const next = new Float64Array(d);
    let wsum = 0;
    for (let r = 0; r < n; r++) {
      const w = 1 / Math.max(dist[r], eps);
      wsum += w;
      for (let c = 0; c < d; c++) next[c] += w * sample[r * d + c];
    }
    for (let c = 0; c < d; c++) next[c] /= wsum;
    const nextObj = distances(sample, n, d, next, dist);
    const improved = obj - nextObj;
    y = next;
    obj = nextObj;
    if (improved <= tol * obj) break;
  }
  return Float32Array.from(y);
}

/** The decoder bias to start from: the sample's mean, its geometric median, or zeros. */
export function initDecoderBias(sample: Float32Array, d: number, method: DecoderBiasInit, opts: GeometricMedianOptions = {}): Float32Array {
  if (method === 'zeros') return new Float32Array(d);
  if (method === 'mean') return Float32Array.from(meanRow(sample, rowsOf(sample, d, 'initDecoderBias'), d));
  if (method === 'geometric_median') return geometricMedian(sample, d, opts);
  throw new SaeConfigError(`initDecoderBias: unknown method ${JSON.stringify(method)}; use 'mean', 'geometric_median' or 'zeros'`);
}
