// The fast CPU TopK / BatchTopK training step: the CPU twin's step (./cpu-step.ts, whose header gives the maths)
// with its one dense product, the encoder (x − b_dec) · W_enc + b_enc, on onnxruntime-web's wasm kernels (SIMD,
// threads: ./cpu-fast-encoder.ts), and the sparse stages in memory order (./cpu-fast-sparse.ts). Same state, same
// statistics: a run can switch between this and the twin at any checkpoint. tests/node/sae-cpu-fast.test.ts holds
// it to the twin within 1e-5 over several steps; bench:sae-cpu measures both next to PyTorch.
//
//   per chunk of rows   pre = ort encoder          [R, d_sae]   (chunks keep pre ≤ CHUNK_VALUES floats)
//                       (idx, val) = top-k(pre)     [R, slots]   AuxK: top-k_aux over the dead columns
//   batchtopk           the batch selection over all rows' candidates (../cpu/batch_topk.ts)
//   then the twin's stages: sparse decode, loss statistics, dL/dx̂, dL/dpre at the slots, then
//   dW_dec, dW_encᵀ (→ transposed), db_enc, db_dec (from W_encᵀ), decoder projection, Adam, renorm.
//
// Why the split: at d_in 256 / d_sae 2048 / k 32 the encoder is d_in · d_sae = 524k multiply-adds per row and
// each sparse stage k · d_in = 8k (k_aux · d_in = 33k for AuxK), so the encoder was ~85% of the twin's step.
import { adamScalars, adamStep } from '../cpu/adam';
import { batchTopk } from '../cpu/batch_topk';
import { deadUpdate } from '../cpu/dead_update';
import { decGradProject } from '../cpu/dec_grad_project';
import { decRenorm } from '../cpu/dec_renorm';
import { lossStats } from '../cpu/loss_stats';
import { checkLength } from '../cpu/matmul_bias';
import { reconGrad } from '../cpu/recon_grad';
import { sparseDecode } from '../cpu/sparse_decode';
import { sparseDot } from '../cpu/sparse_dot';
import { topkRows } from '../cpu/topk_rows';
import { type TrainEncoder, createTrainEncoder } from './cpu-fast-encoder';
import { biasGradT, deadLatents, deadTopk, latentRowsGrad, transpose } from './cpu-fast-sparse';
import type { Stepper } from './trainer';
import {
  PARAM_NAMES,
  type SaeParams,
  type SaeTrainConfig,
  type SaeTrainState,
  type StepStats,
  THRESHOLD_EMA_RATE,
  batchKeep,
  checkTrainConfig,
  slotsPerRow,
} from './types';

/** Most pre-activations held at once (64 MiB): bounds memory at d_sae 24,576 and batch 4096 (which would be 400 MB). */
export const CHUNK_VALUES = 1 << 24;

/** Where a step's time went (ms), for bench:sae-cpu. */
export interface FastStepTimes {
  encoder: number;
  topk: number;
  sparse: number;
  update: number;
}

export interface FastCpuTrainer {
  /** One step on x [B, d_in] at rate lr: updates `state` in place exactly as cpuTrainStep does. */
  step(state: SaeTrainState, x: Float32Array, B: number, lr: number): Promise<StepStats>;
  /** The split of the last step. */
  readonly times: FastStepTimes;
  dispose(): Promise<void>;
}

/** Per-step buffers of d_sae · d_in floats, made once. */
interface Scratch {
  grads: SaeParams; //     W_enc [d_in, d_sae], W_dec [d_sae, d_in], …
  gEncT: Float32Array; //  [d_sae, d_in]  dW_encᵀ, accumulated a latent row at a time
  wEncT: Float32Array; //  [d_sae, d_in]  W_encᵀ this step
  row: Float32Array; //    [d_in]
  acc: Float64Array; //    [d_in]
}

export interface FastCpuOptions {
  /** Rows per encoder run (default: as many as keep pre within CHUNK_VALUES); tests pass small ones. */
  chunkRows?: number;
}

export async function createFastCpuTrainer(cfg: SaeTrainConfig, opts: FastCpuOptions = {}): Promise<FastCpuTrainer> {
  checkTrainConfig(cfg);
  const chunkRows = opts.chunkRows ?? Math.max(1, Math.floor(CHUNK_VALUES / cfg.dSae));
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new RangeError(`createFastCpuTrainer: chunkRows = ${chunkRows} must be a positive integer`);
  const { dIn, dSae } = cfg;
  const encoder = await createTrainEncoder(dIn, dSae);
  const n = dIn * dSae;
  const s: Scratch = {
    grads: { W_enc: new Float32Array(n), b_enc: new Float32Array(dSae), W_dec: new Float32Array(n), b_dec: new Float32Array(dIn) },
    gEncT: new Float32Array(n),
    wEncT: new Float32Array(n),
    row: new Float32Array(dIn),
    acc: new Float64Array(dIn),
  };
  const times: FastStepTimes = { encoder: 0, topk: 0, sparse: 0, update: 0 };
  return {
    times,
    step: (state, x, B, lr) => fastStep(encoder, s, times, state, x, B, cfg, lr, chunkRows),
    dispose: () => encoder.dispose(),
  };
}

async function fastStep(
  encoder: TrainEncoder,
  s: Scratch,
  times: FastStepTimes,
  state: SaeTrainState,
  x: Float32Array,
  B: number,
  cfg: SaeTrainConfig,
  lr: number,
  chunkRows: number,
): Promise<StepStats> {
  const { dIn, dSae, kAux } = cfg;
  const k = slotsPerRow(cfg);
  const p = state.params;
  checkLength('x', x, B * dIn);
  checkLength('sinceFired', state.sinceFired, dSae);
  for (const name of PARAM_NAMES) checkLength(name, p[name], s.grads[name].length);
  let t0 = performance.now();
  const lap = (key: keyof FastStepTimes) => {
    const t = performance.now();
    times[key] = t - t0;
    t0 = t;
  };

  // Forward, a chunk of rows at a time: the encoder on ort, the selections in JS while nothing else is held.
  const dead = deadLatents(state.sinceFired, cfg.deadTokens);
  const aux = cfg.auxCoef > 0 && dead.length > 0;
  const indices = new Uint32Array(B * k); //            [B, slots]
  const acts = new Float32Array(B * k); //              [B, slots]
  const aIdx = aux ? new Uint32Array(B * kAux) : null; // [B, k_aux]
  const aVal = aux ? new Float32Array(B * kAux) : null; // [B, k_aux]
  const chunk = Math.min(B, chunkRows);
  let encMs = 0;
  for (let r0 = 0; r0 < B; r0 += chunk) {
    const R = Math.min(chunk, B - r0);
    const te = performance.now();
    const pre = await encoder.pre(p, x.subarray(r0 * dIn, (r0 + R) * dIn), R); // [R, d_sae]
    encMs += performance.now() - te;
    topkRows(pre, R, dSae, k, { relu: true }, { indices: indices.subarray(r0 * k, (r0 + R) * k), values: acts.subarray(r0 * k, (r0 + R) * k) });
    if (aIdx && aVal) deadTopk(pre, R, dSae, dead, kAux, { indices: aIdx.subarray(r0 * kAux, (r0 + R) * kAux), values: aVal.subarray(r0 * kAux, (r0 + R) * kAux) });
  }
  let active = 0;
  let batch: ReturnType<typeof batchTopk> | null = null;
  if (cfg.architecture === 'batchtopk') {
    batch = batchTopk(acts, B, k, batchKeep(cfg.k, B), { threshold: state.threshold ?? 0, emaRate: THRESHOLD_EMA_RATE, capRows: k < dSae });
    active = batch.kept;
  } else {
    for (let i = 0; i < acts.length; i++) if (acts[i] > 0) active++;
  }
  times.encoder = encMs;
  lap('topk');
  times.topk -= encMs;

  // The twin's sparse stages (same functions where their memory order was already right).
  const shape = { M: B, k, dSae, d: dIn };
  const recon = sparseDecode({ ...shape, vals: acts, idx: indices, wDec: p.W_dec, bDec: p.b_dec });
  const ehat = aIdx && aVal ? sparseDecode({ M: B, k: kAux, dSae, d: dIn, vals: aVal, idx: aIdx, wDec: p.W_dec, bDec: new Float32Array(dIn) }) : null;
  const stats = lossStats({ x, xhat: recon, ehat, M: B, d: dIn, numDead: dead.length, auxCoef: cfg.auxCoef });
  const { g, gAux } = reconGrad({ x, xhat: recon, ehat, M: B, d: dIn, auxGradScale: stats.auxGradScale });
  const dpre = sparseDot({ ...shape, g, idx: indices, vals: acts, wDec: p.W_dec });
  const gr = s.grads;
  gr.W_dec.fill(0);
  gr.b_enc.fill(0);
  s.gEncT.fill(0);
  transpose(p.W_enc, dIn, dSae, s.wEncT);
  latentRowsGrad({ ...shape, idx: indices, vals: acts, coef: acts, a: g, sub: null }, gr.W_dec, null, s.row);
  latentRowsGrad({ ...shape, idx: indices, vals: acts, coef: dpre, a: x, sub: p.b_dec }, s.gEncT, gr.b_enc, s.row);
  biasGradT({ ...shape, g, dpre, idx: indices, wEncT: s.wEncT }, gr.b_dec, false, s.row, s.acc);
  if (aIdx && aVal && gAux) {
    const ashape = { M: B, k: kAux, dSae, d: dIn };
    const dpreAux = sparseDot({ ...ashape, g: gAux, idx: aIdx, vals: aVal, wDec: p.W_dec });
    latentRowsGrad({ ...ashape, idx: aIdx, vals: aVal, coef: aVal, a: gAux, sub: null }, gr.W_dec, null, s.row);
    latentRowsGrad({ ...ashape, idx: aIdx, vals: aVal, coef: dpreAux, a: x, sub: p.b_dec }, s.gEncT, gr.b_enc, s.row);
    biasGradT({ ...ashape, g: null, dpre: dpreAux, idx: aIdx, wEncT: s.wEncT }, gr.b_dec, true, s.row, s.acc);
  }
  transpose(s.gEncT, dSae, dIn, gr.W_enc);
  lap('sparse');

  // The update, as cpuTrainStep.
  deadUpdate(state.sinceFired, indices, acts, B, k);
  decGradProject(gr.W_dec, p.W_dec, dSae, dIn);
  state.step += 1;
  const a = adamScalars({ lr, beta1: cfg.beta1, beta2: cfg.beta2, eps: cfg.eps }, state.step);
  for (const name of PARAM_NAMES) adamStep(p[name], gr[name], state.m[name], state.v[name], a);
  decRenorm(p.W_dec, dSae, dIn);
  lap('update');

  const { loss, mse, fvu, auxLoss, numDead } = stats;
  const out: StepStats = { loss, mse, fvu, auxLoss, numDead, l0: active / B };
  if (batch) {
    state.threshold = batch.threshold;
    out.threshold = batch.threshold;
    out.cappedRows = batch.cappedRows;
  }
  return out;
}

/**
 * The fast step behind the training loop's Stepper (a StepperFactory): updates the state it is given in place.
 * The ort session is made on the first step, since a factory returns synchronously.
 */
export function fastCpuStepper(state: SaeTrainState, cfg: SaeTrainConfig, opts: FastCpuOptions = {}): Stepper {
  const made = createFastCpuTrainer(cfg, opts);
  made.catch(() => {}); // surfaced by the first step
  return {
    step: async (x, B, lr) => (await made).step(state, x, B, lr),
    state: () => state,
    dispose: () => {
      made.then((t) => t.dispose()).catch(() => {});
    },
  };
}
