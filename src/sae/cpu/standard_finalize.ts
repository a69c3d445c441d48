// CPU twin of shaders/standard_finalize.wgsl: the standard (ReLU + L1) SAE step's scalars and the dead-counter
// update. From the squared-error sums (loss_stats' twin, src/sae/cpu/loss_stats.ts) and per latent j: count_j
// (rows with acts > 0), sum_j (Σ_i acts_ij), norm_j (‖W_dec[j]‖):
//   mse = Σ(x − x̂)² / M     fvu = Σ(x − x̂)² / Σ(x − mean x)²     sparsityLoss = Σ_j sum_j · norm_j / M
//   l0 = Σ_j count_j / M    loss = mse + l1Coefficient · sparsityLoss
//   numDead = #{j : sinceFired_j ≥ deadTokens} before the update; then sinceFired_j ← 0 if count_j > 0, else + M
//   (saturating at 2³² − 1).
import { SINCE_FIRED_MAX } from './dead_update';
import { checkLength } from './matmul_bias';

/** Slots of the GPU stats buffer (f32[STANDARD_STATS_LEN]); StandardStats names the same values. */
export const STANDARD_STAT = {
  loss: 0,
  mse: 1,
  fvu: 2,
  sparsityLoss: 3,
  l0: 4,
  numDead: 5,
  l1Coefficient: 6,
  sumSqErr: 7,
  varX: 8,
} as const;
export const STANDARD_STATS_LEN = 9;

export type StandardStats = { [K in keyof typeof STANDARD_STAT]: number };

export interface StandardFinalizeInputs {
  /** Σ‖x − x̂‖² and Σ‖x − mean(x)‖² over the batch. */
  sumSqErr: number;
  varX: number;
  count: Uint32Array; // [dSae]
  sum: Float32Array; // [dSae]
  norms: Float32Array; // [dSae]
  M: number;
  deadTokens: number;
  /** λ of this step (after warm-up). */
  l1Coefficient: number;
}

/** Returns the step's scalars and updates `sinceFired` [dSae] in place. */
export function standardFinalize(inp: StandardFinalizeInputs, sinceFired: Uint32Array): StandardStats {
  const { count, sum, norms, M } = inp;
  const dSae = sinceFired.length;
  checkLength('count', count, dSae);
  checkLength('sum', sum, dSae);
  checkLength('norms', norms, dSae);
  let l1 = 0;
  let l0 = 0;
  let numDead = 0;
  for (let l = 0; l < dSae; l++) {
    l1 += sum[l] * norms[l];
    l0 += count[l];
    if (sinceFired[l] >= inp.deadTokens) numDead++;
    sinceFired[l] = count[l] > 0 ? 0 : Math.min(SINCE_FIRED_MAX, sinceFired[l] + M);
  }
  const lambda = Math.fround(inp.l1Coefficient);
  const mse = inp.sumSqErr / M;
  const sparsityLoss = l1 / M;
  return {
    loss: mse + lambda * sparsityLoss,
    mse,
    fvu: inp.sumSqErr / inp.varX,
    sparsityLoss,
    l0: l0 / M,
    numDead,
    l1Coefficient: lambda,
    sumSqErr: inp.sumSqErr,
    varX: inp.varX,
  };
}
