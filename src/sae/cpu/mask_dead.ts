// CPU twin of shaders/mask_dead.wgsl: the AuxK candidates. out[m, l] = pre[m, l] where latent l is dead
// (sinceFired[l] ≥ deadTokens), else −FLT_MAX (not −∞, which WGSL may assume away), so a top-k of `out` (then
// ReLU) picks the best dead latents of each row; when fewer than k are dead the rest come out as −FLT_MAX → ReLU
// → 0 and contribute nothing.
import { checkLength } from './matmul_bias';

/** The most negative finite float32: what non-dead latents are masked to. */
export const NOT_DEAD = -3.4028234663852886e38;

export function maskDead(
  pre: Float32Array, // [M, N]
  sinceFired: Uint32Array, // [N]
  deadTokens: number,
  M: number,
  N: number,
  out?: Float32Array,
): Float32Array {
  checkLength('pre', pre, M * N);
  checkLength('sinceFired', sinceFired, N);
  const res = out ?? new Float32Array(M * N);
  checkLength('out', res, M * N);
  for (let m = 0; m < M; m++) {
    for (let l = 0; l < N; l++) res[m * N + l] = sinceFired[l] >= deadTokens ? pre[m * N + l] : NOT_DEAD;
  }
  return res;
}

/** Number of latents with sinceFired ≥ deadTokens. */
export function countDead(sinceFired: Uint32Array, deadTokens: number): number {
  let n = 0;
  for (let l = 0; l < sinceFired.length; l++) if (sinceFired[l] >= deadTokens) n++;
  return n;
}
