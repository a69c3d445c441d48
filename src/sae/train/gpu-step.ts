// The TopK / BatchTopK SAE training step on WebGPU: every stage of ./cpu-step.ts as a WGSL kernel
// (src/gpu/kernels/*), encoded in one command encoder per step, in the CPU twin's order. Parameters, Adam moments,
// dead counters and the batchtopk threshold stay on the GPU; read them back with readState() (e.g. to save, or to
// compare with the twin).
//
//   forward   matmul_bias (pre) → topk_rows (idx, val, byLatent; k or kCand per row) → batch_topk → sparse_decode (x̂)
//             batch_topk: batchtopk zeroes all but the batch's ⌊B·k⌋ largest values and updates the running
//             threshold; topk keeps everything and only counts the positive values (L0)
//   AuxK      mask_dead → topk_rows (k_aux, byLatent) → sparse_decode without b_dec (ê)   [auxCoef > 0]
//             (byLatent: each row's selection sorted by latent, so the latent gathers find a slot by binary search)
//   scalars   loss_stats → loss_finalize (stats: loss, mse, fvu, auxLoss, numDead, ...)
//   backward  recon_grad (dL/dx̂, dL/dê) → per term: sparse_dot with latent_bitmap fused in (dpre and the bitmap
//             in one pass: one dispatch fewer per term) → latent_grad (dW_dec) → enc_grad (dW_encᵀ + db_enc,
//             coalesced writes) → bias_grad (db_dec); the AuxK term accumulates onto the main one
//   update    dead_update → dec_grad_project → adam ×4 → dec_renorm
//
// With no dead latents the AuxK kernels still run (the dead count lives on the GPU) and add exact zeros, which
// is what the twin's skipping them amounts to.
import { readBuffer } from '../../gpu/device';
import { BATCH_TOPK_RESULT, BATCH_TOPK_RESULT_LEN, batchTopk, decodeBatchTopkResult } from '../../gpu/kernels/batch_topk';
import { biasGrad } from '../../gpu/kernels/bias_grad';
import { deadUpdate } from '../../gpu/kernels/dead_update';
import { decGradProject, decRenorm } from '../../gpu/kernels/dec_rows';
import { bitmapBytes } from '../../gpu/kernels/latent_bitmap';
import { latentGrad } from '../../gpu/kernels/latent_grad';
import { STAT, STATS_LEN, lossFinalize, lossStats } from '../../gpu/kernels/loss_stats';
import { maskDead } from '../../gpu/kernels/mask_dead';
import { matmulBias } from '../../gpu/kernels/matmul_bias';
import { reconGrad } from '../../gpu/kernels/recon_grad';
import { sparseDecode } from '../../gpu/kernels/sparse_decode';
import { sparseDot } from '../../gpu/kernels/sparse_dot';
import { topkRows } from '../../gpu/kernels/topk_rows';
import { GpuTrainBuffers, type GpuTrainerOf } from './gpu-state';
import {
  type SaeTrainConfig,
  type SaeTrainState,
  type StepStats,
  THRESHOLD_EMA_RATE,
  batchKeep,
  checkTrainConfig,
  slotsPerRow,
} from './types';


const F = 4; // bytes per f32 / u32

/** Buffers of one step's intermediates, sized for `maxBatch` rows. */
interface Scratch {
  x: GPUBuffer; //        [B, d_in]
  pre: GPUBuffer; //      [B, d_sae]
  idx: GPUBuffer; //      [B, slots] u32   slots = k (topk) or kCand (batchtopk)
  val: GPUBuffer; //      [B, slots]       0 where not selected
  byLatent: GPUBuffer; // [B, slots] u32   (latent << 10) | slot, ascending per row
  sel: GPUBuffer; //      [4] u32          batch_topk's result: kept, batch threshold, running threshold, capped rows
  recon: GPUBuffer; //    [B, d_in]
  g: GPUBuffer; //        [B, d_in]   dL/dx̂
  dpre: GPUBuffer; //     [B, slots]
  bits: GPUBuffer; //     [d_sae, ⌈B / 32⌉] u32
  partial: GPUBuffer; //  [d_in, 4]
  stats: GPUBuffer; //    [STATS_LEN]
  aux: {
    pre: GPUBuffer; //    [B, d_sae]  dead latents' pre, others −FLT_MAX
    idx: GPUBuffer; //    [B, k_aux] u32
    val: GPUBuffer; //    [B, k_aux]
    byLatent: GPUBuffer; // [B, k_aux] u32
    recon: GPUBuffer; //  [B, d_in]   ê
    g: GPUBuffer; //      [B, d_in]   dL/dê
    dpre: GPUBuffer; //   [B, k_aux]
    bits: GPUBuffer; //   [d_sae, ⌈B / 32⌉] u32
    zeros: GPUBuffer; //  [d_in]      the "b_dec" of ê
  } | null;
}

/** The TopK / BatchTopK trainer; `stats` holds STATS_LEN scalars (slots STAT). */
export interface GpuTrainer extends GpuTrainerOf<SaeTrainConfig, StepStats> {
  /** [4] u32 batch_topk result of the last step (slots BATCH_TOPK_RESULT; the running threshold persists). */
  readonly selection: GPUBuffer;
}

/** Uploads `state` (a new SAE from initSaeParams + initTrainState, or a saved one) and returns a trainer. */
export function createGpuTrainer(device: GPUDevice, cfg: SaeTrainConfig, state: SaeTrainState, maxBatch: number): GpuTrainer {
  checkTrainConfig(cfg);
  const { dIn, dSae, kAux } = cfg;
  const k = slotsPerRow(cfg);
  const batchtopk = cfg.architecture === 'batchtopk';
  const buf = new GpuTrainBuffers(device, dIn, dSae, state, maxBatch, 'createGpuTrainer');
  const make = (data: ArrayBufferView | number, label: string) => buf.make(data, label);
  const { params, grads, sinceFired } = buf;

  const B = maxBatch;
  const s: Scratch = {
    x: make(B * dIn * F, 'x'),
    pre: make(B * dSae * F, 'pre_acts'),
    idx: make(B * k * F, 'latent_indices'),
    val: make(B * k * F, 'latent_acts'),
    byLatent: make(B * k * F, 'latent_by_index'),
    sel: make(selectionInit(state.threshold), 'batch_topk_result'),
    recon: make(B * dIn * F, 'sae_out'),
    g: make(B * dIn * F, 'grad.sae_out'),
    dpre: make(B * k * F, 'grad.latent_pre'),
    bits: make(bitmapBytes(B, dSae), 'latent_bitmap'),
    partial: make(dIn * 4 * F, 'loss_partials'),
    stats: make(STATS_LEN * F, 'stats'),
    aux:
      cfg.auxCoef > 0
        ? {
            pre: make(B * dSae * F, 'auxk.pre_acts'),
            idx: make(B * kAux * F, 'auxk.latent_indices'),
            val: make(B * kAux * F, 'auxk.latent_acts'),
            byLatent: make(B * kAux * F, 'auxk.latent_by_index'),
            recon: make(B * dIn * F, 'auxk.e_hat'),
            g: make(B * dIn * F, 'grad.auxk.e_hat'),
            dpre: make(B * kAux * F, 'grad.auxk.latent_pre'),
            bits: make(bitmapBytes(B, dSae), 'auxk.latent_bitmap'),
            zeros: make(dIn * F, 'zeros'),
          }
        : null,
  };

  let step = state.step;
  let lastRows = 0;

  function encodeStep(enc: GPUCommandEncoder, x: GPUBuffer, lr: number, M: number): void {
    const d = device;
    const p = params;
    // Forward.
    matmulBias(d, { M, K: dIn, N: dSae, subtractRow: true }, { a: x, b: p.W_enc, bias: p.b_enc, sub: p.b_dec, out: s.pre }, enc);
    topkRows(d, { M, N: dSae, k, relu: true }, { x: s.pre, indices: s.idx, values: s.val, byLatent: s.byLatent }, enc);
    const select = batchtopk
      ? { M, kCand: k, keep: batchKeep(cfg.k, M), emaRate: THRESHOLD_EMA_RATE, capRows: k < dSae }
      : { M, kCand: k, keep: M * k }; // keeps everything: the L0 count alone
    batchTopk(d, select, { vals: s.val, result: s.sel }, enc);
    sparseDecode(d, { M, k, dSae, d: dIn }, { vals: s.val, idx: s.idx, wDec: p.W_dec, bDec: p.b_dec, out: s.recon }, enc);
    const a = s.aux;
    if (a) {
      maskDead(d, { M, N: dSae, deadTokens: cfg.deadTokens }, { pre: s.pre, sinceFired, out: a.pre }, enc);
      topkRows(d, { M, N: dSae, k: kAux, relu: true }, { x: a.pre, indices: a.idx, values: a.val, byLatent: a.byLatent }, enc);
      sparseDecode(d, { M, k: kAux, dSae, d: dIn }, { vals: a.val, idx: a.idx, wDec: p.W_dec, bDec: a.zeros, out: a.recon }, enc);
    }
    // Scalars and the gradients at the reconstructions.
    lossStats(d, { M, d: dIn, aux: !!a }, { x, xhat: s.recon, ehat: a?.recon, partial: s.partial }, enc);
    lossFinalize(d, { M, d: dIn, dSae, deadTokens: cfg.deadTokens, auxCoef: cfg.auxCoef, aux: !!a }, { partial: s.partial, sinceFired, stats: s.stats }, enc);
    reconGrad(d, { M, d: dIn, aux: !!a }, { x, xhat: s.recon, ehat: a?.recon, stats: s.stats, g: s.g, gAux: a?.g }, enc);
    // Backward, main term then AuxK term (accumulating).
    const terms = [{ idx: s.idx, val: s.val, byLatent: s.byLatent, g: s.g, dpre: s.dpre, bits: s.bits, kk: k, main: true }];
    if (a) terms.push({ idx: a.idx, val: a.val, byLatent: a.byLatent, g: a.g, dpre: a.dpre, bits: a.bits, kk: kAux, main: false });
    for (const t of terms) {
      const acc = !t.main;
      sparseDot(d, { M, k: t.kk, d: dIn, dSae }, { g: t.g, idx: t.idx, vals: t.val, wDec: p.W_dec, dpre: t.dpre, bits: t.bits }, enc);
      const shape = { M, k: t.kk, dSae, d: dIn, accumulate: acc };
      latentGrad(d, { ...shape, transposed: false }, { bits: t.bits, byLatent: t.byLatent, coef: t.val, a: t.g, out: grads.W_dec }, enc);
      latentGrad(d, { ...shape, transposed: true }, { bits: t.bits, byLatent: t.byLatent, coef: t.dpre, a: x, sub: p.b_dec, out: grads.W_enc, sums: grads.b_enc }, enc);
      biasGrad(d, shape, { g: t.main ? t.g : undefined, dpre: t.dpre, idx: t.idx, wEnc: p.W_enc, out: grads.b_dec }, enc);
    }
    // Update.
    deadUpdate(d, { M, dSae }, { bits: s.bits, sinceFired }, enc);
    decGradProject(d, { dSae, d: dIn }, { grad: grads.W_dec, wDec: p.W_dec }, enc);
    step += 1;
    buf.encodeAdam(enc, { lr, beta1: cfg.beta1, beta2: cfg.beta2, eps: cfg.eps }, step);
    decRenorm(d, { dSae, d: dIn }, { wDec: p.W_dec }, enc);
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
    selection: s.sel,
    trainStep(x, lr, rows = maxBatch, encoder) {
      buf.runStep(x, rows, lr, s.x, encoder, `sae-train-step-${step + 1}`, (enc, xb) => encodeStep(enc, xb, lr, rows));
      lastRows = rows;
    },
    async readStats() {
      const [t, words] = await Promise.all([read(s.stats, STATS_LEN), readBuffer(device, s.sel, BATCH_TOPK_RESULT_LEN * F, 'u32')]);
      const sel = decodeBatchTopkResult(words);
      const out: StepStats = { loss: t[STAT.loss], mse: t[STAT.mse], fvu: t[STAT.fvu], auxLoss: t[STAT.auxLoss], numDead: t[STAT.numDead] };
      if (lastRows > 0) out.l0 = sel.kept / lastRows;
      if (batchtopk) {
        out.threshold = sel.threshold;
        out.cappedRows = sel.cappedRows;
      }
      return out;
    },
    async readState() {
      const out = await buf.readState(step);
      if (batchtopk) out.threshold = decodeBatchTopkResult(await readBuffer(device, s.sel, BATCH_TOPK_RESULT_LEN * F, 'u32')).threshold;
      return out;
    },
    destroy() {
      buf.destroy();
    },
  };
}

/** batch_topk's result buffer at the start: the running threshold (float32) in its slot, the rest 0. */
function selectionInit(threshold = 0): Uint32Array {
  const words = new Uint32Array(BATCH_TOPK_RESULT_LEN);
  new Float32Array(words.buffer)[BATCH_TOPK_RESULT.threshold] = threshold;
  return words;
}
