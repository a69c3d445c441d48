// The JumpReLU SAE training step on the CPU (Rajamanoharan et al. 2024, "Jumping Ahead: Improving Reconstruction
// Fidelity with JumpReLU Sparse Autoencoders"), as SAELens 6.18.0 trains it (jbloomAus/SAELens v6.18.0, commit
// 91ca16ccd0684e4dd6323cd4f23ded734339ec54: sae_lens/saes/jumprelu_sae.py JumpReLUTrainingSAE, sae_lens/saes/sae.py
// TrainingSAE, sae_lens/training/optim.py CoefficientScheduler). A trainer in its own right for small SAEs, and the twin a WebGPU step will be checked against: each stage is the CPU twin (or twin-to-be) of one WGSL
// kernel (src/sae/cpu/*), called in the order a GPU step would encode them.
//
//   θ     = exp(log_threshold)  ('log', SAELens 6.18.0 and the paper)  or  relu(threshold)  ('direct', later SAELens)
//   pre   = (x − b_dec) · W_enc + b_enc          acts = pre · [pre > θ]            [B, d_sae]
//   x̂     = acts · W_dec + b_dec                                                  [B, d_in]
//   mse   = Σ‖x − x̂‖² / B
//   l0Loss = λ_t Σ_ij [pre_ij > θ_j] / B ('step')  or  λ_t Σ_ij tanh(c · acts_ij · ‖W_dec[j]‖) / B ('tanh')
//   preActLoss = λ_p Σ_ij relu(θ_j − pre_ij) · dead_j · ‖W_dec[j]‖ / B   (Anthropic's; off when λ_p = 0)
//   loss  = mse + l0Loss + preActLoss           λ_t = l0Coefficient · min(1, t / l0WarmupSteps)  (SAELens' scheduler)
// Backward: straight-through pseudo-derivatives with the rectangle kernel K of bandwidth ε for θ only (SAELens'
// JumpReLU and Step autograd functions; src/sae/cpu/jumprelu_grad.ts has the per-entry formulas); the encoder sees
// [pre > θ] · dL/dacts, and the step L0 nothing. d log θ = θ · dθ ('log'), d threshold = [threshold > 0] · dθ.
// Update: Adam (bias-corrected) on W_enc, b_enc, W_dec, b_dec and the threshold parameter; W_dec rows are free
// (no renormalisation: SAELens' JumpReLU has none), starting at norm decoder_init_norm = 0.1 with W_enc = W_decᵀ.
//
// Where the paper and SAELens 6.18.0 differ (this step follows SAELens), as far as read here:
// - the pseudo-derivatives, the rectangle kernel, the L0 'step' loss, log θ and W_enc = W_decᵀ are the paper's;
// - defaults: SAELens 6.18.0 has ε = 0.05, θ₀ = 0.01, λ = 1; SAELens ≤ 5 had ε = θ₀ = 0.001, the values the paper
//   reports (recalled from the paper, not rechecked against its text here);
// - the 'tanh' loss and the pre-act loss are Anthropic's (Circuits Updates, Jan 2025; SAELens PR #541), not the
//   paper's; so is the decoder-norm weighting inside 'tanh' (the 'step' L0 has none);
// - decoder rows: SAELens 6.18.0 leaves them free after a 0.1-norm init; the paper's own setup may constrain them
//   (not rechecked here);
// - SAELens' trainer clips the global gradient norm to 1 for every architecture; the lab's trainers do not
//   (TopK, BatchTopK and standard neither), so neither does this step;
// - later SAELens (decoderesearch/SAELens commit 19f954ec) trains θ directly with relu() instead of exp(log θ):
//   under Adam a log threshold moves by ~θ · lr per step, which freezes a small θ₀ in short runs (SAELens issue
//   #494). thresholdParam 'direct' trains it so; 'log' (this config's default) is 6.18.0's.
// The dead counter is the lab's (tokens since a latent last fired ≥ deadTokens), where SAELens counts forward passes.
import { adamScalars, adamStep } from '../cpu/adam';
import { colStats } from '../cpu/col_stats';
import { decNormGrad } from '../cpu/dec_norm_grad';
import { denseBiasGrad } from '../cpu/dense_bias_grad';
import { jumpreluAct } from '../cpu/jumprelu_act';
import { type JumpReluStats, jumpreluFinalize } from '../cpu/jumprelu_finalize';
import { type SparsityLossMode, jumpreluGrad } from '../cpu/jumprelu_grad';
import { lossStats } from '../cpu/loss_stats';
import { checkLength, matmulBias } from '../cpu/matmul_bias';
import { reconGrad } from '../cpu/recon_grad';
import { rowNorms } from '../cpu/row_norms';
import { jumpreluThresholds } from './jumprelu-thresholds';
import { initStandardParams } from './standard-step';
import type { Stepper, StepperFactory } from './trainer';
import { PARAM_NAMES, type SaeParams, type SaeTrainConfig, type SaeTrainState, type StepStats } from './types';

export type { SparsityLossMode } from '../cpu/jumprelu_grad';
export { jumpreluThresholds } from './jumprelu-thresholds';
export type ThresholdParam = 'log' | 'direct';

/** The recipe, field for field SAELens' JumpReLUTrainingSAEConfig (names in the comments). */
export interface JumpReluTrainConfig {
  dIn: number;
  dSae: number;
  /** l0_coefficient: λ once warmed up. */
  l0Coefficient: number;
  /** l0_warm_up_steps: λ_t = λ · min(1, t / l0WarmupSteps) (step 0 trains at 0); 0: no warm-up. */
  l0WarmupSteps: number;
  /** jumprelu_bandwidth: ε, the rectangle kernel's width. */
  bandwidth: number;
  /** jumprelu_init_threshold: θ₀ for every latent. */
  initThreshold: number;
  /** jumprelu_sparsity_loss_mode: 'step' (DeepMind's L0) or 'tanh' (Anthropic's). */
  sparsityLossMode: SparsityLossMode;
  /** jumprelu_tanh_scale: c of the 'tanh' loss. */
  tanhScale: number;
  /** pre_act_loss_coefficient: λ_p of Anthropic's pre-activation loss on dead latents; 0 is SAELens' None. */
  preActLossCoefficient: number;
  /** decoder_init_norm: the decoder rows' initial norm. */
  decoderInitNorm: number;
  /** 'log': train log θ (SAELens 6.18.0, the paper); 'direct': train θ, used through relu (later SAELens). */
  thresholdParam: ThresholdParam;
  /** A latent is dead once it has not fired (pre > θ) for this many tokens (rows). */
  deadTokens: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/** What one JumpReLU step reports (over the batch it trained on, before the update). */
export interface JumpReluStepStats extends StepStats {
  l0: number;
  /** λ_t · the L0 term (SAELens' losses["l0_loss"]). */
  l0Loss: number;
  /** SAELens' losses["pre_act_loss"] (0 when off or nothing is dead). */
  preActLoss: number;
  /** λ_t, the coefficient this step used. */
  l0Coefficient: number;
  /** Mean θ over the latents, before the update. */
  meanThreshold: number;
}

/** SAELens 6.18.0's defaults (see the field comments), with the lab's dead-token count and Adam settings. */
export function jumpreluTrainConfig(c: Pick<JumpReluTrainConfig, 'dIn' | 'dSae'> & Partial<JumpReluTrainConfig>): JumpReluTrainConfig {
  const cfg: JumpReluTrainConfig = {
    l0Coefficient: 1,
    l0WarmupSteps: 0,
    bandwidth: 0.05,
    initThreshold: 0.01,
    sparsityLossMode: 'step',
    tanhScale: 4,
    preActLossCoefficient: 0,
    decoderInitNorm: 0.1,
    thresholdParam: 'log',
    deadTokens: 10_000_000,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    ...c,
  };
  checkJumpReluConfig(cfg);
  return cfg;
}

export function checkJumpReluConfig(cfg: JumpReluTrainConfig): void {
  const bad = (what: string) => {
    throw new RangeError(`JumpReLU SAE training: ${what}`);
  };
  for (const [name, v] of [['dIn', cfg.dIn], ['dSae', cfg.dSae]] as const) if (!Number.isInteger(v) || v < 1) bad(`${name} = ${v} must be a positive integer`);
  const finite = (name: string, v: number, min: number, strict: boolean) => {
    if (!Number.isFinite(v) || (strict ? !(v > min) : !(v >= min))) bad(`${name} = ${v} must be a finite number ${strict ? '>' : '≥'} ${min}`);
  };
  finite('l0Coefficient', cfg.l0Coefficient, 0, false);
  finite('bandwidth', cfg.bandwidth, 0, true);
  finite('initThreshold', cfg.initThreshold, 0, true);
  finite('tanhScale', cfg.tanhScale, 0, true);
  finite('preActLossCoefficient', cfg.preActLossCoefficient, 0, false);
  finite('decoderInitNorm', cfg.decoderInitNorm, 0, true);
  if (!Number.isInteger(cfg.l0WarmupSteps) || cfg.l0WarmupSteps < 0) bad(`l0WarmupSteps = ${cfg.l0WarmupSteps} must be an integer ≥ 0 (0: no warm-up)`);
  if (cfg.sparsityLossMode !== 'step' && cfg.sparsityLossMode !== 'tanh') bad(`sparsityLossMode ${JSON.stringify(cfg.sparsityLossMode)} must be "step" or "tanh"`);
  if (cfg.thresholdParam !== 'log' && cfg.thresholdParam !== 'direct') bad(`thresholdParam ${JSON.stringify(cfg.thresholdParam)} must be "log" or "direct"`);
  if (!(cfg.deadTokens >= 1)) bad(`deadTokens = ${cfg.deadTokens} must be ≥ 1`);
}

/** λ_t of the step taken after `step` steps: SAELens' CoefficientScheduler (0 at step 0, λ from l0WarmupSteps on). */
export function l0CoefficientAt(cfg: Pick<JumpReluTrainConfig, 'l0Coefficient' | 'l0WarmupSteps'>, step: number): number {
  if (cfg.l0WarmupSteps <= 0) return cfg.l0Coefficient;
  return cfg.l0Coefficient * Math.min(1, step / cfg.l0WarmupSteps);
}

/**
 * A new JumpReLU SAE as SAELens' TrainingSAE makes one: decoder rows random directions of norm decoderInitNorm,
 * W_enc = W_decᵀ, zero biases (the directions of initSaeParams for the same seed), every θ at initThreshold.
 */
export function initJumpReluParams(cfg: Pick<JumpReluTrainConfig, 'dIn' | 'dSae' | 'initThreshold' | 'decoderInitNorm' | 'thresholdParam'>, seed: number): SaeParams {
  const p = initStandardParams(cfg, seed, cfg.decoderInitNorm);
  if (cfg.thresholdParam === 'log') p.log_threshold = new Float32Array(cfg.dSae).fill(Math.log(cfg.initThreshold));
  else p.threshold = new Float32Array(cfg.dSae).fill(cfg.initThreshold);
  return p;
}

/** The name of the trained threshold parameter, checked against the config. */
function thresholdName(p: SaeParams, cfg: JumpReluTrainConfig): 'log_threshold' | 'threshold' {
  const name = cfg.thresholdParam === 'log' ? 'log_threshold' : 'threshold';
  const t = p[name];
  if (!t) throw new RangeError(`JumpReLU SAE training: thresholdParam "${cfg.thresholdParam}" needs params.${name}`);
  checkLength(name, t, cfg.dSae);
  return name;
}

export interface JumpReluForward {
  pre: Float32Array; //    [B, d_sae]
  theta: Float32Array; //  [d_sae]
  acts: Float32Array; //   [B, d_sae]
  count: Uint32Array; //   [d_sae] rows with pre > θ
  norms: Float32Array; //  [d_sae] ‖W_dec[j]‖
  recon: Float32Array; //  [B, d_in] x̂
}

export interface JumpReluLossAndGrads {
  forward: JumpReluForward;
  stats: JumpReluStats;
  /** Gradients of W_enc, b_enc, W_dec, b_dec and of the threshold parameter (log_threshold or threshold). */
  grads: SaeParams;
  /** dL/dθ [d_sae], before the parameterisation's chain rule. */
  dTheta: Float32Array;
  sinceFired: Uint32Array;
}

function checkParams(p: SaeParams, cfg: JumpReluTrainConfig): void {
  const { dIn, dSae } = cfg;
  checkLength('W_enc', p.W_enc, dIn * dSae);
  checkLength('b_enc', p.b_enc, dSae);
  checkLength('W_dec', p.W_dec, dSae * dIn);
  checkLength('b_dec', p.b_dec, dIn);
  thresholdName(p, cfg);
}

/** Forward pass over a batch x [B, d_in]. */
export function jumpreluForward(p: SaeParams, x: Float32Array, B: number, cfg: JumpReluTrainConfig): JumpReluForward {
  const { dIn, dSae } = cfg;
  checkParams(p, cfg);
  checkLength('x', x, B * dIn);
  const pre = matmulBias({ a: x, b: p.W_enc, bias: p.b_enc, sub: p.b_dec, M: B, K: dIn, N: dSae });
  const theta = jumpreluThresholds(p);
  const { acts, count } = jumpreluAct(pre, theta, B, dSae);
  const norms = rowNorms(p.W_dec, dSae, dIn);
  const recon = matmulBias({ a: acts, b: p.W_dec, bias: p.b_dec, M: B, K: dSae, N: dIn });
  return { pre, theta, acts, count, norms, recon };
}

/**
 * Loss, statistics and every gradient for one batch at L0 coefficient `l0Coefficient` (λ_t, after warm-up).
 * `sinceFired` (default all 0) marks the dead latents of the pre-act loss and is not modified; the updated
 * counters are returned.
 */
export function jumpreluLossAndGrads(
  p: SaeParams,
  x: Float32Array,
  B: number,
  cfg: JumpReluTrainConfig,
  l0Coefficient: number,
  sinceFired: Uint32Array = new Uint32Array(cfg.dSae),
): JumpReluLossAndGrads {
  const { dIn, dSae } = cfg;
  checkLength('sinceFired', sinceFired, dSae);
  const fwd = jumpreluForward(p, x, B, cfg);
  const ls = lossStats({ x, xhat: fwd.recon, ehat: null, M: B, d: dIn, numDead: 0, auxCoef: 0 });
  const { g } = reconGrad({ x, xhat: fwd.recon, ehat: null, M: B, d: dIn, auxGradScale: 0 }); // [B, d_in] dL/dx̂
  const dpre = matmulBias({ a: g, b: p.W_dec, M: B, K: dIn, N: dSae, transB: true }); //               [B, d_sae] dL/dacts
  const preAct = cfg.preActLossCoefficient > 0;
  const dead = preAct ? Uint8Array.from(sinceFired, (t) => (t >= cfg.deadTokens ? 1 : 0)) : null;
  const sums = jumpreluGrad({
    grad: dpre, // now dL/dpre
    pre: fwd.pre,
    theta: fwd.theta,
    norms: fwd.norms,
    dead,
    M: B,
    N: dSae,
    mode: cfg.sparsityLossMode,
    bandwidth: cfg.bandwidth,
    tanhScale: cfg.tanhScale,
    l0Scale: l0Coefficient / B,
    preActScale: cfg.preActLossCoefficient / B,
  });
  const after = sinceFired.slice();
  const stats = jumpreluFinalize(
    {
      sumSqErr: ls.sumSqErr,
      varX: ls.varX,
      count: fwd.count,
      l0Sum: sums.l0Sum,
      preActSum: sums.preActSum,
      M: B,
      deadTokens: cfg.deadTokens,
      l0Coefficient,
      preActLossCoefficient: cfg.preActLossCoefficient,
    },
    after,
  );
  const W_dec = matmulBias({ a: fwd.acts, b: g, M: dSae, K: B, N: dIn, transA: true });
  decNormGrad(W_dec, p.W_dec, sums.normCoef, fwd.norms, dSae, dIn, 1); // the sparsity terms' pull on ‖W_dec[j]‖
  const W_enc = matmulBias({ a: x, b: dpre, sub: p.b_dec, M: dIn, K: B, N: dSae, transA: true });
  const b_enc = colStats(dpre, B, dSae, { relu: false }).sum;
  const gSum = colStats(g, B, dIn, { relu: false }).sum;
  const b_dec = denseBiasGrad(gSum, p.W_enc, b_enc, dIn, dSae);
  const grads: SaeParams = { W_enc, b_enc, W_dec, b_dec };
  const name = thresholdName(p, cfg);
  const t = p[name]!;
  // d log θ = θ · dθ;  d threshold = [threshold > 0] · dθ (relu's gradient, 0 at 0 as torch's)
  grads[name] = name === 'log_threshold' ? sums.dTheta.map((d, j) => fwd.theta[j] * d) : sums.dTheta.map((d, j) => (t[j] > 0 ? d : 0));
  return { forward: fwd, stats, grads, dTheta: sums.dTheta, sinceFired: after };
}

function stepStats(s: JumpReluStats, theta: Float32Array): JumpReluStepStats {
  const { loss, mse, fvu, numDead, l0, l0Loss, preActLoss, l0Coefficient } = s;
  let sum = 0;
  for (const t of theta) sum += t;
  return { loss, mse, fvu, auxLoss: 0, numDead, l0, l0Loss, preActLoss, l0Coefficient, meanThreshold: sum / theta.length };
}

/**
 * One training step on batch x [B, d_in] at learning rate `lr`, with λ_t from the L0 warm-up at state.step.
 * Updates `state` in place (parameters, Adam moments, step, dead counters) and returns the batch's statistics.
 */
export function jumpreluTrainStep(state: SaeTrainState, x: Float32Array, B: number, cfg: JumpReluTrainConfig, lr: number): JumpReluStepStats {
  if (!(lr >= 0)) throw new RangeError(`jumpreluTrainStep: learning rate ${lr} must be ≥ 0`);
  const p = state.params;
  const r = jumpreluLossAndGrads(p, x, B, cfg, l0CoefficientAt(cfg, state.step), state.sinceFired);
  state.sinceFired.set(r.sinceFired);
  state.step += 1;
  const s = adamScalars({ lr, beta1: cfg.beta1, beta2: cfg.beta2, eps: cfg.eps }, state.step);
  const name = thresholdName(p, cfg);
  // Moments of the threshold parameter: a state made by initTrainState over these params has them; add them otherwise.
  state.m[name] ??= new Float32Array(cfg.dSae);
  state.v[name] ??= new Float32Array(cfg.dSae);
  for (const n of [...PARAM_NAMES, name] as const) adamStep(p[n]!, r.grads[n]!, state.m[n]!, state.v[n]!, s);
  return stepStats(r.stats, r.forward.theta);
}

/** The CPU step behind the training loop's Stepper: updates the state it is given in place. */
export function jumpreluCpuStepper(cfg: JumpReluTrainConfig): StepperFactory {
  checkJumpReluConfig(cfg);
  return (state, loopCfg: SaeTrainConfig): Stepper => {
    if (loopCfg.dIn !== cfg.dIn || loopCfg.dSae !== cfg.dSae) {
      throw new RangeError(
        `JumpReLU SAE stepper: the training loop's d_in × d_sae = ${loopCfg.dIn} × ${loopCfg.dSae} differs from the JumpReLU config's ${cfg.dIn} × ${cfg.dSae}`,
      );
    }
    return { step: (x, B, lr) => jumpreluTrainStep(state, x, B, cfg, lr), state: () => state };
  };
}
