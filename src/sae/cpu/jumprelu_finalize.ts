// CPU twin-to-be of a jumprelu_finalize WGSL kernel: the JumpReLU SAE step's scalars and the dead-counter update,
// from the squared-error sums (loss_stats' twin) and the per-latent sums of jumprelu_act / jumprelu_grad:
//   mse = Σ(x − x̂)² / M     fvu = Σ(x − x̂)² / Σ(x − mean x)²     l0 = Σ_j count_j / M
//   l0Loss = λ_t · Σ_j l0Sum_j / M           preActLoss = pre_act_loss_coefficient · Σ_j preActSum_j / M
//   loss = mse + l0Loss + preActLoss         (SAELens' mse_loss + l0_loss + pre_act_loss)
//   numDead = #{j : sinceFired_j ≥ deadTokens} before the update; then sinceFired_j ← 0 if count_j > 0, else + M.
import { SINCE_FIRED_MAX } from './dead_update';
import { checkLength } from './matmul_bias';

export interface JumpReluStats {
  loss: number;
  mse: number;
  fvu: number;
  l0: number;
  l0Loss: number;
  preActLoss: number;
  numDead: number;
  l0Coefficient: number;
}

export interface JumpReluFinalizeInputs {
  sumSqErr: number;
  varX: number;
  count: Uint32Array; //     [dSae]
  l0Sum: Float32Array; //    [dSae]
  preActSum: Float32Array; // [dSae]
  M: number;
  deadTokens: number;
  l0Coefficient: number; //  λ_t (after warm-up)
  preActLossCoefficient: number;
}

/** Returns the step's scalars and updates `sinceFired` [dSae] in place. */
export function jumpreluFinalize(inp: JumpReluFinalizeInputs, sinceFired: Uint32Array): JumpReluStats {
  const { count, l0Sum, preActSum, M } = inp;
  const dSae = sinceFired.length;
  checkLength('count', count, dSae);
  checkLength('l0Sum', l0Sum, dSae);
  checkLength('preActSum', preActSum, dSae);
  let fired = 0;
  let l0Terms = 0;
  let preTerms = 0;
  let numDead = 0;
  for (let l = 0; l < dSae; l++) {
    fired += count[l];
    l0Terms += l0Sum[l];
    preTerms += preActSum[l];
    if (sinceFired[l] >= inp.deadTokens) numDead++;
    sinceFired[l] = count[l] > 0 ? 0 : Math.min(SINCE_FIRED_MAX, sinceFired[l] + M);
  }
  const mse = inp.sumSqErr / M;
  const l0Loss = (inp.l0Coefficient * l0Terms) / M;
  const preActLoss = (inp.preActLossCoefficient * preTerms) / M;
  return { loss: mse + l0Loss + preActLoss, mse, fvu: inp.sumSqErr / inp.varX, l0: fired / M, l0Loss, preActLoss, numDead, l0Coefficient: inp.l0Coefficient };
}
