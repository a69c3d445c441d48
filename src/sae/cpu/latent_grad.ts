// CPU twin of shaders/latent_grad.wgsl (with shaders/latent_bitmap.wgsl): the sparse weight gradients, summed
// per latent over the rows that selected it. For every latent l, over rows m in ascending order with a slot j
// where idx[m, j] = l and vals[m, j] > 0:
//   out[l, c]  (+)= Σ_m coef[m, j] · (a[m, c] − sub[c])           (or out[c, l] when transposed)
//   sums[l]    (+)= Σ_m coef[m, j]
// Uses: dW_dec = latentGrad(coef = vals, a = dL/dx̂);  dW_encᵀ = latentGrad(coef = dpre, a = x, sub = b_dec,
// transposed) with sums = db_enc. Each latent's sum starts from 0 and adds rows in order (the shader's gather
// order); with `accumulate` the finished sum is then added to what `out` holds (a second loss term).
// Precondition (true of top-k output): a latent appears at most once per row.
import { checkLength } from './matmul_bias';

export interface LatentGradInputs {
  idx: Uint32Array; // [M, k]
  /** Membership: slot (m, j) counts iff vals[m, j] > 0. */
  vals: Float32Array; // [M, k]
  /** The per-slot weight (vals itself, or dpre). */
  coef: Float32Array; // [M, k]
  a: Float32Array; // [M, d]
  /** Subtracted from every row of a (b_dec); null for none. */
  sub: Float32Array | null; // [d]
  M: number;
  k: number;
  dSae: number;
  d: number;
  /** out is [d, dSae] (W_enc's layout) instead of [dSae, d]. */
  transposed: boolean;
  /** Add to out / sums instead of overwriting them. */
  accumulate: boolean;
}

/** Writes out ([dSae, d], or [d, dSae] transposed) and, when given, sums [dSae]. */
export function latentGrad(inp: LatentGradInputs, out: Float32Array, sums?: Float32Array): void {
  const { idx, vals, coef, a, sub, M, k, dSae, d, transposed, accumulate } = inp;
  checkLength('idx', idx, M * k);
  checkLength('vals', vals, M * k);
  checkLength('coef', coef, M * k);
  checkLength('a', a, M * d);
  if (sub) checkLength('sub', sub, d);
  checkLength('out', out, dSae * d);
  if (sums) checkLength('sums', sums, dSae);

  const acc = new Float32Array(dSae * d); // [dSae, d], per latent from 0, rows in order
  const accSum = new Float32Array(dSae);
  const row = new Float32Array(d);
  for (let m = 0; m < M; m++) {
    for (let c = 0; c < d; c++) row[c] = sub ? a[m * d + c] - sub[c] : a[m * d + c];
    for (let j = 0; j < k; j++) {
      if (!(vals[m * k + j] > 0)) continue;
      const l = idx[m * k + j];
      if (l >= dSae) throw new RangeError(`latentGrad: idx[${m}, ${j}] = ${l} ≥ d_sae = ${dSae}`);
      const w = coef[m * k + j];
      const o = l * d;
      for (let c = 0; c < d; c++) acc[o + c] += w * row[c];
      accSum[l] += w;
    }
  }
  for (let l = 0; l < dSae; l++) {
    for (let c = 0; c < d; c++) {
      const o = transposed ? c * dSae + l : l * d + c;
      out[o] = accumulate ? out[o] + acc[l * d + c] : acc[l * d + c];
    }
    if (sums) sums[l] = accumulate ? sums[l] + accSum[l] : accSum[l];
  }
}
