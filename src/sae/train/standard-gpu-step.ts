// The standard (ReLU + L1) SAE training step on WebGPU: every stage of ./standard-step.ts as a WGSL kernel
// (src/gpu/kernels/*), encoded in one command encoder per step, in the CPU twin's order. Parameters, Adam
// moments and dead counters stay on the GPU; read them back with readState().
//
//   forward   matmul_bias (pre) → col_stats relu (acts in place; per-latent count, Σ acts) → row_norms (‖W_dec[j]‖)
//             → matmul_bias (x̂ = acts · W_dec + b_dec)
//   scalars   loss_stats → standard_finalize (loss, mse, fvu, sparsityLoss, l0, numDead; dead counters)
//   backward  recon_grad (g) → matmul_bias Bᵀ (g · W_decᵀ) → relu_grad (dpre, in place) → matmul_bias Aᵀ
//             (dW_dec = actsᵀ · g) → dec_norm_grad → matmul_bias Aᵀ (dW_enc = (x − b_dec)ᵀ · dpre) →
//             col_stats (db_enc) → col_stats (Σ g) → dense_bias_grad (db_dec)
//   update    adam ×4
//
// The dense intermediates are two [B, d_sae] buffers (acts, and dL/dacts turned into dL/dpre in place).
import { readBuffer } from '../../gpu/device';
import { colStats } from '../../gpu/kernels/col_stats';
import { decNormGrad } from '../../gpu/kernels/dec_norm_grad';
import { denseBiasGrad } from '../../gpu/kernels/dense_bias_grad';
import { lossStats } from '../../gpu/kernels/loss_stats';
import { matmulBias } from '../../gpu/kernels/matmul_bias';
import { reconGrad } from '../../gpu/kernels/recon_grad';
import { reluGrad } from '../../gpu/kernels/relu_grad';
import { rowNorms } from '../../gpu/kernels/row_norms';
import { STANDARD_STAT, STANDARD_STATS_LEN, standardFinalize } from '../../gpu/kernels/standard_finalize';
import { GpuTrainBuffers, type GpuTrainerOf } from './gpu-state';
import {
  type StandardStepStats,
  type StandardTrainConfig,
  checkStandardConfig,
  checkStepperShape,
  l1CoefficientAt,
} from './standard-step';
import { type StepperFactory, trainerStepper } from './trainer';
import type { SaeTrainState } from './types';


const F = 4; // bytes per f32 / u32

/** Buffers of one step's intermediates, sized for `maxBatch` rows. */
interface Scratch {
  x: GPUBuffer; //        [B, d_in]
  acts: GPUBuffer; //     [B, d_sae]  pre, then ReLU(pre)
  dpre: GPUBuffer; //     [B, d_sae]  dL/dacts, then dL/dpre
  recon: GPUBuffer; //    [B, d_in]   x̂
  g: GPUBuffer; //        [B, d_in]   dL/dx̂
  count: GPUBuffer; //    [d_sae] u32 rows with acts > 0
  actSum: GPUBuffer; //   [d_sae]     Σ_i acts_ij
  norms: GPUBuffer; //    [d_sae]     ‖W_dec[j]‖
  gSum: GPUBuffer; //     [d_in]      Σ_i g_i
  partial: GPUBuffer; //  [d_in, 4]
  stats: GPUBuffer; //    [STANDARD_STATS_LEN]
}

/** The ReLU + L1 trainer; `stats` holds STANDARD_STATS_LEN scalars (slots STANDARD_STAT); λ's warm-up follows `step`. */
export type StandardGpuTrainer = GpuTrainerOf<StandardTrainConfig, StandardStepStats>;

/** Uploads `state` (a new SAE from initStandardParams + initTrainState, or a saved one) and returns a trainer. */
export function createStandardGpuTrainer(device: GPUDevice, cfg: StandardTrainConfig, state: SaeTrainState, maxBatch: number): StandardGpuTrainer {
  checkStandardConfig(cfg);
  const { dIn, dSae } = cfg;
  const buf = new GpuTrainBuffers(device, dIn, dSae, state, maxBatch, 'createStandardGpuTrainer');
  const make = (data: ArrayBufferView | number, label: string) => buf.make(data, label);
  const { params, grads, sinceFired } = buf;

  const B = maxBatch;
  const s: Scratch = {
    x: make(B * dIn * F, 'x'),
    acts: make(B * dSae * F, 'feature_acts'),
    dpre: make(B * dSae * F, 'grad.hidden_pre'),
    recon: make(B * dIn * F, 'sae_out'),
    g: make(B * dIn * F, 'grad.sae_out'),
    count: make(dSae * F, 'latent_fired_rows'),
    actSum: make(dSae * F, 'latent_act_sum'),
    norms: make(dSae * F, 'W_dec_norms'),
    gSum: make(dIn * F, 'grad.sae_out_sum'),
    partial: make(dIn * 4 * F, 'loss_partials'),
    stats: make(STANDARD_STATS_LEN * F, 'stats'),
  };

  let step = state.step;

  function encodeStep(enc: GPUCommandEncoder, x: GPUBuffer, lr: number, M: number): void {
    const d = device;
    const p = params;
    const lambda = l1CoefficientAt(cfg, step);
    const scale = lambda / M;
    // Forward.
    matmulBias(d, { M, K: dIn, N: dSae, subtractRow: true }, { a: x, b: p.W_enc, bias: p.b_enc, sub: p.b_dec, out: s.acts }, enc);
    colStats(d, { M, N: dSae, relu: true }, { x: s.acts, count: s.count, sum: s.actSum }, enc);
    rowNorms(d, { rows: dSae, cols: dIn }, { w: p.W_dec, norms: s.norms }, enc);
    matmulBias(d, { M, K: dSae, N: dIn }, { a: s.acts, b: p.W_dec, bias: p.b_dec, out: s.recon }, enc);
    // Scalars and dead counters.
    lossStats(d, { M, d: dIn, aux: false }, { x, xhat: s.recon, partial: s.partial }, enc);
    standardFinalize(
      d,
      { M, d: dIn, dSae, deadTokens: cfg.deadTokens, l1Coefficient: lambda },
      { partial: s.partial, count: s.count, sum: s.actSum, norms: s.norms, sinceFired, stats: s.stats },
      enc,
    );
    // Backward.
    reconGrad(d, { M, d: dIn, aux: false }, { x, xhat: s.recon, stats: s.stats, g: s.g }, enc);
    matmulBias(d, { M, K: dIn, N: dSae, transB: true }, { a: s.g, b: p.W_dec, out: s.dpre }, enc);
    reluGrad(d, { M, N: dSae, scale }, { acts: s.acts, norms: s.norms, grad: s.dpre }, enc);
    matmulBias(d, { M: dSae, K: M, N: dIn, transA: true }, { a: s.acts, b: s.g, out: grads.W_dec }, enc);
    decNormGrad(d, { dSae, d: dIn, scale }, { wDec: p.W_dec, sum: s.actSum, norms: s.norms, grad: grads.W_dec }, enc);
    matmulBias(d, { M: dIn, K: M, N: dSae, transA: true, subtractRow: true }, { a: x, b: s.dpre, sub: p.b_dec, out: grads.W_enc }, enc);
    colStats(d, { M, N: dSae, relu: false }, { x: s.dpre, sum: grads.b_enc }, enc);
    colStats(d, { M, N: dIn, relu: false }, { x: s.g, sum: s.gSum }, enc);
    denseBiasGrad(d, { d: dIn, dSae }, { gSum: s.gSum, wEnc: p.W_enc, dbEnc: grads.b_enc, dbDec: grads.b_dec }, enc);
    // Update.
    step += 1;
    buf.encodeAdam(enc, { lr, beta1: cfg.beta1, beta2: cfg.beta2, eps: cfg.eps }, step);
  }

  const read = async (b: GPUBuffer, n: number) => readBuffer(device, b, n * F);

  return {
    device,
    cfg,
    maxBatch,
    get step() {
      return step;
    },
    params,
    sinceFired,
    stats: s.stats,
    trainStep(x, lr, rows = maxBatch, encoder) {
      buf.runStep(x, rows, lr, s.x, encoder, `standard-sae-train-step-${step + 1}`, (enc, xb) => encodeStep(enc, xb, lr, rows));
    },
    async readStats() {
      const t = await read(s.stats, STANDARD_STATS_LEN);
      const S = STANDARD_STAT;
      return {
        loss: t[S.loss],
        mse: t[S.mse],
        fvu: t[S.fvu],
        auxLoss: 0,
        numDead: t[S.numDead],
        l0: t[S.l0],
        sparsityLoss: t[S.sparsityLoss],
        l1Coefficient: t[S.l1Coefficient],
      };
    },
    readState: () => buf.readState(step),
    destroy() {
      buf.destroy();
    },
  };
}

/**
 * The WebGPU standard trainer behind the training loop's Stepper, over `device`, batches of at most `maxBatch`
 * rows. Reads the statistics back after every step (as gpuStepper in ./trainer.ts).
 */
export function standardGpuStepper(device: GPUDevice, maxBatch: number, cfg: StandardTrainConfig, shuffle?: { rows: number; seed: number }): StepperFactory {
  checkStandardConfig(cfg);
  return (state, loopCfg) => {
    checkStepperShape(cfg, loopCfg);
    return trainerStepper(device, createStandardGpuTrainer(device, cfg, state, maxBatch), cfg.dIn, shuffle);
  };
}
