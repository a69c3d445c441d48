// CPU twin-to-be of a jumprelu_act WGSL kernel: the JumpReLU SAE's activations and per-latent firing statistics
// from the pre-activations pre [M, N] and the thresholds θ [N]:
//   acts[i, j] = pre[i, j] · [pre[i, j] > θ_j]        count_j = #{i : pre[i, j] > θ_j}     sum_j = Σ_i acts[i, j]
// (SAELens JumpReLU.forward: x · (x > threshold); thresholds are positive, so acts ≥ 0). Sums in float64 over
// rows in order, as col_stats' twin.
import { checkLength } from './matmul_bias';

export interface JumpReluActs {
  acts: Float32Array; //  [M, N]
  count: Uint32Array; //  [N]
  sum: Float32Array; //   [N]
}

export function jumpreluAct(pre: Float32Array, theta: Float32Array, M: number, N: number): JumpReluActs {
  checkLength('pre', pre, M * N);
  checkLength('theta', theta, N);
  const acts = new Float32Array(M * N);
  const count = new Uint32Array(N);
  const sum = new Float64Array(N);
  for (let i = 0; i < M; i++) {
    const o = i * N;
    for (let j = 0; j < N; j++) {
      const z = pre[o + j];
      if (z > theta[j]) {
        acts[o + j] = z;
        count[j]++;
        sum[j] += z;
      }
    }
  }
  return { acts, count, sum: Float32Array.from(sum) };
}
