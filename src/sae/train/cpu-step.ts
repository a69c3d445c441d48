// The TopK / BatchTopK SAE training step on the CPU: the twin the WebGPU trainer (./gpu-step.ts) is checked
// against, and a trainer in its own right for small SAEs. Each stage is the CPU twin of one WGSL kernel
// (src/sae/cpu/*), called in the order the GPU step encodes them.
//
//   pre   = (x − b_dec) · W_enc + b_enc                       [B, d_sae]
//   (idx, val) = top-k of pre per row, val = ReLU              [B, k]
//   batchtopk: (idx, val) = top-kCand per row (ReLU), then of those B·kCand values the ⌊B·k⌋ largest positive
//     stay and the rest are set to 0 (ties → lower flat index), so a zero slot is "not selected" in every stage
//     below; the running threshold moves toward the smallest kept value (rate THRESHOLD_EMA_RATE)
//   x̂     = Σ_j val_j · W_dec[idx_j] + b_dec                   [B, d_in]
//   mse   = Σ‖x − x̂‖² / B        fvu = Σ‖x − x̂‖² / Σ‖x − mean(x)‖²
//   AuxK (latents dead at the start of the step, when auxCoef > 0 and some are dead):
//     (aidx, aval) = top-k_aux of pre among dead latents (ReLU)   ê = Σ aval · W_dec[aidx]   (no b_dec)
//     auxLoss = ‖e − ê‖² / ‖e − mean(e)‖²,  e = x − x̂ held constant
//   loss  = mse + auxCoef · auxLoss
// Backward, only through the selected latents (both terms add):
//   g = dL/dx̂ = 2 (x̂ − x) / B                     gAux = dL/dê = 2 auxCoef (ê − e) / ‖e − mean(e)‖²
//   dpre_j = [val_j > 0] · g · W_dec[idx_j]          (dL/dpre at the selected slots)
//   dW_dec[idx_j] += val_j · g        dW_enc[:, idx_j] += (x − b_dec) · dpre_j        db_enc[idx_j] += dpre_j
//   db_dec = Σ_rows g − Σ_rows Σ_j dpre_j · W_enc[:, idx_j]
// Update: remove from each dW_dec row its component along the row; Adam (bias-corrected) on all four tensors;
// renormalise W_dec rows to unit norm; latents that fired reset their dead counter, the rest add B.
import { adamScalars, adamStep } from '../cpu/adam';
import { batchTopk } from '../cpu/batch_topk';
import { biasGrad } from '../cpu/bias_grad';
import { deadUpdate } from '../cpu/dead_update';
import { decGradProject } from '../cpu/dec_grad_project';
import { decRenorm } from '../cpu/dec_renorm';
import { latentGrad } from '../cpu/latent_grad';
import { type LossStats, lossStats } from '../cpu/loss_stats';
import { countDead, maskDead } from '../cpu/mask_dead';
import { checkLength, matmulBias } from '../cpu/matmul_bias';
import { reconGrad } from '../cpu/recon_grad';
import { sparseDecode } from '../cpu/sparse_decode';
import { sparseDot } from '../cpu/sparse_dot';
import { topkRows } from '../cpu/topk_rows';
import { gaussian, mulberry32 } from './rng';
import {
  PARAM_NAMES,
  type SaeParams,
  type SaeTrainConfig,
  type SaeTrainState,
  type StepStats,
  THRESHOLD_EMA_RATE,
  batchKeep,
  slotsPerRow,
  zerosLike,
} from './types';

/** The AuxK half of the forward pass. */
export interface AuxForward {
  indices: Uint32Array; // [B, kAux]  best dead latents per row
  acts: Float32Array; //   [B, kAux]  ReLU'd (0 where fewer than kAux are dead)
  recon: Float32Array; //  [B, d_in]  ê, without b_dec
}

/** batchtopk's batch selection (src/sae/cpu/batch_topk.ts). */
export interface BatchSelection {
  /** Values kept (min(⌊B·k⌋, positive candidates)). */
  kept: number;
  /** The smallest kept value (0 when nothing is kept). */
  minKept: number;
  /** The running threshold after this batch. */
  threshold: number;
  /** Rows that kept all kCand candidates (0 when kCand = d_sae). */
  cappedRows: number;
}

export interface SaeForward {
  pre: Float32Array; //      [B, d_sae]
  indices: Uint32Array; //   [B, slots]  slots = k (topk) or kCand (batchtopk)
  acts: Float32Array; //     [B, slots]  0 where not selected
  recon: Float32Array; //    [B, d_in]  x̂
  aux: AuxForward | null; // null when auxCoef = 0 or no latent is dead
  numDead: number;
  /** Positive activations (kept latents) over the batch. */
  active: number;
  /** batchtopk only. */
  batch: BatchSelection | null;
}

export interface LossAndGrads {
  forward: SaeForward;
  stats: LossStats;
  grads: SaeParams;
  /** dL/dx̂ [B, d_in], and dL/dê (null without AuxK). */
  g: Float32Array;
  gAux: Float32Array | null;
  /** dL/dpre at the selected slots: [B, k] and [B, kAux]. */
  dpre: Float32Array;
  dpreAux: Float32Array | null;
}

/**
 * A new SAE: decoder rows are random unit vectors (normalised Gaussians), the encoder is the decoder's
 * transpose (each latent starts by reading the direction it writes), biases are zero.
 */
export function initSaeParams(cfg: Pick<SaeTrainConfig, 'dIn' | 'dSae'>, seed: number): SaeParams {
  const { dIn, dSae } = cfg;
  const normal = gaussian(mulberry32(seed));
  const W_dec = new Float32Array(dSae * dIn);
  const row = new Float64Array(dIn);
  for (let l = 0; l < dSae; l++) {
    let nn = 0;
    for (let c = 0; c < dIn; c++) {
      row[c] = normal();
      nn += row[c] * row[c];
    }
    const inv = 1 / Math.sqrt(nn);
    for (let c = 0; c < dIn; c++) W_dec[l * dIn + c] = row[c] * inv;
  }
  const W_enc = new Float32Array(dIn * dSae);
  for (let l = 0; l < dSae; l++) for (let c = 0; c < dIn; c++) W_enc[c * dSae + l] = W_dec[l * dIn + c];
  return { W_enc, b_enc: new Float32Array(dSae), W_dec, b_dec: new Float32Array(dIn) };
}

function checkParams(p: SaeParams, cfg: SaeTrainConfig): void {
  const { dIn, dSae } = cfg;
  checkLength('W_enc', p.W_enc, dIn * dSae);
  checkLength('b_enc', p.b_enc, dSae);
  checkLength('W_dec', p.W_dec, dSae * dIn);
  checkLength('b_dec', p.b_dec, dIn);
}

/**
 * Forward pass over a batch x [B, d_in]; AuxK candidates are the latents dead by `sinceFired`. `threshold` is the
 * running batchtopk threshold before this batch (default 0); the forward returns the updated one.
 */
export function saeForward(p: SaeParams, x: Float32Array, B: number, cfg: SaeTrainConfig, sinceFired: Uint32Array, threshold = 0): SaeForward {
  const { dIn, dSae } = cfg;
  const k = slotsPerRow(cfg);
  checkParams(p, cfg);
  checkLength('x', x, B * dIn);
  checkLength('sinceFired', sinceFired, dSae);
  const pre = matmulBias({ a: x, b: p.W_enc, bias: p.b_enc, sub: p.b_dec, M: B, K: dIn, N: dSae });
  const top = topkRows(pre, B, dSae, k, { relu: true });
  let batch: BatchSelection | null = null;
  let active: number;
  if (cfg.architecture === 'batchtopk') {
    batch = batchTopk(top.values, B, k, batchKeep(cfg.k, B), { threshold, emaRate: THRESHOLD_EMA_RATE, capRows: k < dSae });
    active = batch.kept;
  } else {
    active = 0;
    for (const v of top.values) if (v > 0) active++;
  }
  const recon = sparseDecode({ vals: top.values, idx: top.indices, wDec: p.W_dec, bDec: p.b_dec, M: B, k, dSae, d: dIn });
  const numDead = countDead(sinceFired, cfg.deadTokens);
  let aux: AuxForward | null = null;
  if (cfg.auxCoef > 0 && numDead > 0) {
    const kAux = cfg.kAux;
    const masked = maskDead(pre, sinceFired, cfg.deadTokens, B, dSae);
    const atop = topkRows(masked, B, dSae, kAux, { relu: true });
    const ehat = sparseDecode({ vals: atop.values, idx: atop.indices, wDec: p.W_dec, bDec: new Float32Array(dIn), M: B, k: kAux, dSae, d: dIn });
    aux = { indices: atop.indices, acts: atop.values, recon: ehat };
  }
  return { pre, indices: top.indices, acts: top.values, recon, aux, numDead, active, batch };
}

/** Loss, statistics and the gradient of every parameter (before the decoder projection), for one batch. */
export function saeLossAndGrads(p: SaeParams, x: Float32Array, B: number, cfg: SaeTrainConfig, sinceFired: Uint32Array, threshold = 0): LossAndGrads {
  const { dIn, dSae, kAux } = cfg;
  const k = slotsPerRow(cfg);
  const fwd = saeForward(p, x, B, cfg, sinceFired, threshold);
  const aux = fwd.aux;
  const stats = lossStats({ x, xhat: fwd.recon, ehat: aux?.recon ?? null, M: B, d: dIn, numDead: fwd.numDead, auxCoef: cfg.auxCoef });
  const { g, gAux } = reconGrad({ x, xhat: fwd.recon, ehat: aux?.recon ?? null, M: B, d: dIn, auxGradScale: stats.auxGradScale });

  const grads = zerosLike(p);
  const dpre = sparseDot({ g, idx: fwd.indices, vals: fwd.acts, wDec: p.W_dec, M: B, k, dSae, d: dIn });
  const shape = { M: B, k, dSae, d: dIn };
  latentGrad({ ...shape, idx: fwd.indices, vals: fwd.acts, coef: fwd.acts, a: g, sub: null, transposed: false, accumulate: false }, grads.W_dec);
  latentGrad({ ...shape, idx: fwd.indices, vals: fwd.acts, coef: dpre, a: x, sub: p.b_dec, transposed: true, accumulate: false }, grads.W_enc, grads.b_enc);
  biasGrad({ ...shape, g, dpre, idx: fwd.indices, wEnc: p.W_enc, accumulate: false }, grads.b_dec);

  let dpreAux: Float32Array | null = null;
  if (aux && gAux) {
    const ashape = { M: B, k: kAux, dSae, d: dIn };
    dpreAux = sparseDot({ g: gAux, idx: aux.indices, vals: aux.acts, wDec: p.W_dec, ...ashape });
    latentGrad({ ...ashape, idx: aux.indices, vals: aux.acts, coef: aux.acts, a: gAux, sub: null, transposed: false, accumulate: true }, grads.W_dec);
    latentGrad({ ...ashape, idx: aux.indices, vals: aux.acts, coef: dpreAux, a: x, sub: p.b_dec, transposed: true, accumulate: true }, grads.W_enc, grads.b_enc);
    biasGrad({ ...ashape, g: null, dpre: dpreAux, idx: aux.indices, wEnc: p.W_enc, accumulate: true }, grads.b_dec);
  }
  return { forward: fwd, stats, grads, g, gAux, dpre, dpreAux };
}

/**
 * One training step on batch x [B, d_in] at learning rate `lr` (take it from a schedule, ./schedule.ts).
 * Updates `state` in place (parameters, Adam moments, step, dead counters) and returns the batch's statistics.
 */
export function cpuTrainStep(state: SaeTrainState, x: Float32Array, B: number, cfg: SaeTrainConfig, lr: number): StepStats {
  const { dIn, dSae } = cfg;
  const p = state.params;
  const r = saeLossAndGrads(p, x, B, cfg, state.sinceFired, state.threshold);
  deadUpdate(state.sinceFired, r.forward.indices, r.forward.acts, B, slotsPerRow(cfg));
  decGradProject(r.grads.W_dec, p.W_dec, dSae, dIn);
  state.step += 1;
  const s = adamScalars({ lr, beta1: cfg.beta1, beta2: cfg.beta2, eps: cfg.eps }, state.step);
  for (const name of PARAM_NAMES) adamStep(p[name], r.grads[name], state.m[name], state.v[name], s);
  decRenorm(p.W_dec, dSae, dIn);
  const { loss, mse, fvu, auxLoss, numDead } = r.stats;
  const stats: StepStats = { loss, mse, fvu, auxLoss, numDead, l0: r.forward.active / B };
  const batch = r.forward.batch;
  if (batch) {
    state.threshold = batch.threshold;
    stats.threshold = batch.threshold;
    stats.cappedRows = batch.cappedRows;
  }
  return stats;
}
