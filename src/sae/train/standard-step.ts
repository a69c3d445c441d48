// The standard (ReLU + L1) SAE training step on the CPU: SAELens' "standard" architecture with the decoder-norm-
// weighted L1 penalty of Anthropic's April 2024 update ("Training Sparse Autoencoders"). The twin the WebGPU
// trainer (./standard-gpu-step.ts) is checked against, and a trainer in its own right for small SAEs. Each stage
// is the CPU twin of one WGSL kernel (src/sae/cpu/*), called in the order the GPU step encodes them.
//
//   pre   = (x − b_dec) · W_enc + b_enc          acts = ReLU(pre)                 [B, d_sae]
//   x̂     = acts · W_dec + b_dec                                                   [B, d_in]
//   mse   = Σ‖x − x̂‖² / B                        sparsityLoss = Σ_i Σ_j acts_ij ‖W_dec[j]‖ / B
//   loss  = mse + λ_t · sparsityLoss              λ_t = l1Coefficient · min(1, (t + 1) / l1WarmupSteps)
// Backward (n_j = ‖W_dec[j]‖, g = dL/dx̂ = 2 (x̂ − x) / B):
//   dpre   = [pre > 0] ⊙ (g · W_decᵀ + λ_t n_j / B)
//   dW_dec = actsᵀ · g + (λ_t / B) (Σ_i acts_ij) W_dec[j] / n_j      (W_dec rows are never renormalised: the
//            norm weighting replaces the unit-norm constraint, so the norm's own gradient flows)
//   dW_enc = (x − b_dec)ᵀ · dpre      db_enc = Σ_i dpre_i      db_dec = Σ_i g_i − W_enc · db_enc
// Update: Adam (bias-corrected) on all four tensors. A latent fires in a batch when some row has acts > 0; its
// dead counter then resets, the others add B.
//
//   kernel order   matmul_bias → col_stats(relu) → row_norms → matmul_bias (x̂) → loss_stats →
//                  standard_finalize (scalars, dead counters) → recon_grad → matmul_bias(Bᵀ) → relu_grad →
//                  matmul_bias(Aᵀ) → dec_norm_grad → matmul_bias(Aᵀ, x − b_dec) → col_stats (db_enc) →
//                  col_stats (Σ g) → dense_bias_grad → adam ×4
import { adamScalars, adamStep } from '../cpu/adam';
import { colStats } from '../cpu/col_stats';
import { decNormGrad } from '../cpu/dec_norm_grad';
import { denseBiasGrad } from '../cpu/dense_bias_grad';
import { lossStats } from '../cpu/loss_stats';
import { checkLength, matmulBias } from '../cpu/matmul_bias';
import { reconGrad } from '../cpu/recon_grad';
import { reluGrad } from '../cpu/relu_grad';
import { rowNorms } from '../cpu/row_norms';
import { type StandardStats, standardFinalize } from '../cpu/standard_finalize';
import { initSaeParams } from './cpu-step';
import type { Stepper, StepperFactory } from './trainer';
import { PARAM_NAMES, type SaeParams, type SaeTrainConfig, type SaeTrainState, type StepStats } from './types';

/** The recipe: Anthropic's April 2024 update as SAELens' "standard" SAE trains it. */
export interface StandardTrainConfig {
  dIn: number;
  dSae: number;
  /** λ, the weight of the decoder-norm-weighted L1 penalty once warmed up. */
  l1Coefficient: number;
  /** λ rises linearly from λ / l1WarmupSteps to λ over the first l1WarmupSteps steps; 0: no warm-up. */
  l1WarmupSteps: number;
  /** A latent is dead once it has not fired (acts > 0) for this many tokens (rows). */
  deadTokens: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/** What one standard step reports (over the batch it trained on, before the update). */
export interface StandardStepStats extends StepStats {
  /** Mean positive activations per row. */
  l0: number;
  /** Σ_i Σ_j acts_ij ‖W_dec[j]‖ / B: the L1 penalty before λ. */
  sparsityLoss: number;
  /** λ_t, the coefficient this step used (after warm-up). */
  l1Coefficient: number;
}

/** Decoder rows start with this L2 norm (Anthropic's April 2024 update: 0.1, from a good range of 0.05 to 1). */
export const STANDARD_INIT_DECODER_NORM = 0.1;

/**
 * Fills in defaults:
 * - l1Coefficient 5: Anthropic's λ for inputs scaled so E‖x‖² ≈ d_in, which the trainer's input scale
 *   (E‖s·x‖ = √d_in, ./recipe.ts) matches to within the spread of row norms;
 * - l1WarmupSteps 0: SAELens' default, since only the caller knows the run's length; Anthropic warms λ up over
 *   the first 5% of steps, which callers that know the total should pass;
 * - deadTokens 10M and Adam (0.9, 0.999, 1e-8), as the TopK recipe (Anthropic also uses β = (0.9, 0.999)).
 */
export function standardTrainConfig(c: Pick<StandardTrainConfig, 'dIn' | 'dSae'> & Partial<StandardTrainConfig>): StandardTrainConfig {
  const cfg: StandardTrainConfig = {
    l1Coefficient: 5,
    l1WarmupSteps: 0,
    deadTokens: 10_000_000,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    ...c,
  };
  checkStandardConfig(cfg);
  return cfg;
}

export function checkStandardConfig(cfg: StandardTrainConfig): void {
  for (const [name, v] of [['dIn', cfg.dIn], ['dSae', cfg.dSae]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`standard SAE training: ${name} = ${v} must be a positive integer`);
  }
  if (!(cfg.l1Coefficient >= 0) || !Number.isFinite(cfg.l1Coefficient)) {
    throw new RangeError(`standard SAE training: l1Coefficient = ${cfg.l1Coefficient} must be a finite number ≥ 0`);
  }
  if (!Number.isInteger(cfg.l1WarmupSteps) || cfg.l1WarmupSteps < 0) {
    throw new RangeError(`standard SAE training: l1WarmupSteps = ${cfg.l1WarmupSteps} must be an integer ≥ 0 (0: no warm-up)`);
  }
  if (!(cfg.deadTokens >= 1)) throw new RangeError(`standard SAE training: deadTokens = ${cfg.deadTokens} must be ≥ 1`);
}

/** λ_t of the step taken after `step` steps: linear warm-up to l1Coefficient over l1WarmupSteps steps. */
export function l1CoefficientAt(cfg: Pick<StandardTrainConfig, 'l1Coefficient' | 'l1WarmupSteps'>, step: number): number {
  if (cfg.l1WarmupSteps <= 0) return cfg.l1Coefficient;
  return cfg.l1Coefficient * Math.min(1, (step + 1) / cfg.l1WarmupSteps);
}

/**
 * A new standard SAE (Anthropic's April 2024 initialisation): decoder rows are random directions (normalised
 * Gaussians) of norm `decoderNorm`, the encoder is the decoder's transpose, biases are zero. Small decoder norms
 * start the L1 penalty small and let each latent's norm grow to what it earns; tying W_enc to W_decᵀ starts each
 * latent reading the direction it writes. The directions are those of initSaeParams for the same seed.
 */
export function initStandardParams(cfg: Pick<StandardTrainConfig, 'dIn' | 'dSae'>, seed: number, decoderNorm = STANDARD_INIT_DECODER_NORM): SaeParams {
  if (!(decoderNorm > 0)) throw new RangeError(`initStandardParams: decoderNorm = ${decoderNorm} must be > 0`);
  const p = initSaeParams(cfg, seed);
  for (let i = 0; i < p.W_dec.length; i++) p.W_dec[i] *= decoderNorm;
  for (let i = 0; i < p.W_enc.length; i++) p.W_enc[i] *= decoderNorm;
  return p;
}

export interface StandardForward {
  acts: Float32Array; //   [B, d_sae]  ReLU(pre)
  count: Uint32Array; //   [d_sae]     rows with acts > 0
  actSum: Float32Array; // [d_sae]     Σ_i acts_ij
  norms: Float32Array; //  [d_sae]     ‖W_dec[j]‖
  recon: Float32Array; //  [B, d_in]   x̂
}

export interface StandardLossAndGrads {
  forward: StandardForward;
  stats: StandardStats;
  grads: SaeParams;
  /** dL/dx̂ [B, d_in] and dL/dpre [B, d_sae]. */
  g: Float32Array;
  dpre: Float32Array;
  /** The dead counters after this batch. */
  sinceFired: Uint32Array;
}

function checkParams(p: SaeParams, cfg: StandardTrainConfig): void {
  const { dIn, dSae } = cfg;
  checkLength('W_enc', p.W_enc, dIn * dSae);
  checkLength('b_enc', p.b_enc, dSae);
  checkLength('W_dec', p.W_dec, dSae * dIn);
  checkLength('b_dec', p.b_dec, dIn);
}

/** Forward pass over a batch x [B, d_in]. */
export function standardForward(p: SaeParams, x: Float32Array, B: number, cfg: StandardTrainConfig): StandardForward {
  const { dIn, dSae } = cfg;
  checkParams(p, cfg);
  checkLength('x', x, B * dIn);
  const acts = matmulBias({ a: x, b: p.W_enc, bias: p.b_enc, sub: p.b_dec, M: B, K: dIn, N: dSae });
  const { count, sum } = colStats(acts, B, dSae, { relu: true });
  const norms = rowNorms(p.W_dec, dSae, dIn);
  const recon = matmulBias({ a: acts, b: p.W_dec, bias: p.b_dec, M: B, K: dSae, N: dIn });
  return { acts, count: count!, actSum: sum, norms, recon };
}

/**
 * Loss, statistics and the gradient of every parameter for one batch at L1 coefficient `l1Coefficient` (λ_t,
 * after warm-up). `sinceFired` (default: all 0) is not modified; the updated counters are returned.
 */
export function standardLossAndGrads(
  p: SaeParams,
  x: Float32Array,
  B: number,
  cfg: StandardTrainConfig,
  l1Coefficient: number,
  sinceFired: Uint32Array = new Uint32Array(cfg.dSae),
): StandardLossAndGrads {
  const { dIn, dSae } = cfg;
  checkLength('sinceFired', sinceFired, dSae);
  const fwd = standardForward(p, x, B, cfg);
  const ls = lossStats({ x, xhat: fwd.recon, ehat: null, M: B, d: dIn, numDead: 0, auxCoef: 0 });
  const after = sinceFired.slice();
  const stats = standardFinalize(
    { sumSqErr: ls.sumSqErr, varX: ls.varX, count: fwd.count, sum: fwd.actSum, norms: fwd.norms, M: B, deadTokens: cfg.deadTokens, l1Coefficient },
    after,
  );

  const { g } = reconGrad({ x, xhat: fwd.recon, ehat: null, M: B, d: dIn, auxGradScale: 0 });
  const scale = l1Coefficient / B;
  const dpre = matmulBias({ a: g, b: p.W_dec, M: B, K: dIn, N: dSae, transB: true }); // [B, d_sae] dL/dacts
  reluGrad(dpre, fwd.acts, fwd.norms, B, dSae, scale); //                               now dL/dpre
  const W_dec = matmulBias({ a: fwd.acts, b: g, M: dSae, K: B, N: dIn, transA: true });
  decNormGrad(W_dec, p.W_dec, fwd.actSum, fwd.norms, dSae, dIn, scale);
  const W_enc = matmulBias({ a: x, b: dpre, sub: p.b_dec, M: dIn, K: B, N: dSae, transA: true });
  const b_enc = colStats(dpre, B, dSae, { relu: false }).sum;
  const gSum = colStats(g, B, dIn, { relu: false }).sum;
  const b_dec = denseBiasGrad(gSum, p.W_enc, b_enc, dIn, dSae);
  return { forward: fwd, stats, grads: { W_enc, b_enc, W_dec, b_dec }, g, dpre, sinceFired: after };
}

function stepStats(s: StandardStats): StandardStepStats {
  const { loss, mse, fvu, numDead, l0, sparsityLoss, l1Coefficient } = s;
  return { loss, mse, fvu, auxLoss: 0, numDead, l0, sparsityLoss, l1Coefficient };
}

/**
 * One training step on batch x [B, d_in] at learning rate `lr` (from a schedule, ./schedule.ts), with λ_t from
 * the L1 warm-up at state.step. Updates `state` in place (parameters, Adam moments, step, dead counters) and
 * returns the batch's statistics.
 */
export function standardTrainStep(state: SaeTrainState, x: Float32Array, B: number, cfg: StandardTrainConfig, lr: number): StandardStepStats {
  if (!(lr >= 0)) throw new RangeError(`standardTrainStep: learning rate ${lr} must be ≥ 0`);
  const p = state.params;
  const r = standardLossAndGrads(p, x, B, cfg, l1CoefficientAt(cfg, state.step), state.sinceFired);
  state.sinceFired.set(r.sinceFired);
  state.step += 1;
  const s = adamScalars({ lr, beta1: cfg.beta1, beta2: cfg.beta2, eps: cfg.eps }, state.step);
  for (const name of PARAM_NAMES) adamStep(p[name], r.grads[name], state.m[name], state.v[name], s);
  return stepStats(r.stats);
}

/** The training loop hands its TopK config to the factory: only d_in and d_sae mean anything here, and must agree. */
export function checkStepperShape(cfg: StandardTrainConfig, loopCfg: Pick<SaeTrainConfig, 'dIn' | 'dSae'>): void {
  if (loopCfg.dIn !== cfg.dIn || loopCfg.dSae !== cfg.dSae) {
    throw new RangeError(
      `standard SAE stepper: the training loop's d_in × d_sae = ${loopCfg.dIn} × ${loopCfg.dSae} differs from the standard config's ${cfg.dIn} × ${cfg.dSae}`,
    );
  }
}

/** The CPU twin behind the training loop's Stepper: updates the state it is given in place. */
export function standardCpuStepper(cfg: StandardTrainConfig): StepperFactory {
  checkStandardConfig(cfg);
  return (state, loopCfg): Stepper => {
    checkStepperShape(cfg, loopCfg);
    return { step: (x, B, lr) => standardTrainStep(state, x, B, cfg, lr), state: () => state };
  };
}
