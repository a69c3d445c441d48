// CPU twin of shaders/col_stats.wgsl: per column j of X [M, N] the sum over rows; with relu, X is first
// rectified in place and the positive entries counted (the standard SAE's acts, firing counts and activation
// mass). Sums in float64 over rows in order (the shader adds row groups, a difference of rounding only).
import { checkLength } from './matmul_bias';

export interface ColStats {
  /** [N] rows with X > 0 (relu only). */
  count: Uint32Array | null;
  /** [N] Σ_i X[i, j] (after the rectification). */
  sum: Float32Array;
}

export function colStats(x: Float32Array, M: number, N: number, opts: { relu: boolean }): ColStats {
  checkLength('x', x, M * N);
  const sum = new Float64Array(N);
  const count = opts.relu ? new Uint32Array(N) : null;
  for (let i = 0; i < M; i++) {
    const o = i * N;
    for (let j = 0; j < N; j++) {
      let v = x[o + j];
      if (count) {
        v = v > 0 ? v : 0;
        x[o + j] = v;
        if (v > 0) count[j]++;
      }
      sum[j] += v;
    }
  }
  return { count, sum: Float32Array.from(sum) };
}
