// The fast CPU TopK / BatchTopK training step: the CPU twin's step (./cpu-step.ts, whose header gives the maths)
// with its dense work on onnxruntime-web's wasm kernels and its sparse work on hand-written wasm SIMD. Same state,
// same statistics: a run can switch between this and the twin at any checkpoint. tests/node/sae-cpu-fast.test.ts
// holds it to the twin within 1e-5 over several steps; bench:sae-cpu measures both next to PyTorch.
//
//   per chunk of rows   ort (./cpu-fast-encoder.ts): pre = (x − b_dec)·W_enc + b_enc, top-k, AuxK's top-k_aux
//                       over the dead latents                                      → idx, val [R, slots]
//   batchtopk           the batch selection over all rows' candidates (../cpu/batch_topk.ts)
//   wasm SIMD           x̂ and ê (decode), then dL/dpre at the slots (slot_dot), dW_dec and dW_encᵀ + db_enc
//   (./cpu-fast-sparse.ts)  (latent_rows), for both loss terms
//   JS (the twins)      loss statistics and dL/dx̂, dL/dê (O(B·d_in)); db_dec = Σ g − W_enc·db_enc; dW_encᵀ
//                       transposed; decoder projection, Adam, renorm (O(d_in·d_sae) per step, independent of B)
//
// Why this split (measured on the 2-core machine, bench:sae-cpu prints it per step): the encoder is d_in · d_sae
// multiply-adds per row, ~30 GFLOP/s on ort's wasm MatMul against ~0.4 G multiply-adds/s in a JS loop; each
// sparse stage is (k + k_aux) · d_in per row, ~5.7 G/s in wasm SIMD against the same ~0.4 in JS. ort has no sparse
// kernels, and doing them densely would cost d_in · d_sae per row each. The top-k runs inside the ort graph so
// the [rows, d_sae] pre-activations never come back to JS.
import { adamScalars, adamStep } from '../cpu/adam';
import { batchTopk } from '../cpu/batch_topk';
import { deadUpdate } from '../cpu/dead_update';
import { decGradProject } from '../cpu/dec_grad_project';
import { decRenorm } from '../cpu/dec_renorm';
import { lossStats } from '../cpu/loss_stats';
import { checkLength } from '../cpu/matmul_bias';
import { reconGrad } from '../cpu/recon_grad';
import { type TrainEncoder, createTrainEncoder } from './cpu-fast-encoder';
import { WasmSparse, decoderBiasGrad, transpose } from './cpu-fast-sparse';
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

/** Most pre-activations one encoder run holds (64 MiB, twice with AuxK's masked copy): bounds the wasm heap. */
export const CHUNK_VALUES = 1 << 24;

/** Where a step's time went (ms), for bench:sae-cpu. */
export interface FastStepTimes {
  /** ort: encoder and selections. */
  encoder: number;
  /** wasm SIMD: decode, slot dots, latent rows, with their copies in and out. */
  sparse: number;
  /** JS: statistics, gradients at x̂, db_dec, transpose, projection, Adam, renorm. */
  update: number;
}

export interface FastCpuOptions {
  /** Rows per encoder run (default: as many as keep pre within CHUNK_VALUES); tests pass small ones. */
  chunkRows?: number;
}

export interface FastCpuTrainer {
  /** One step on x [B, d_in] at rate lr: updates `state` in place as cpuTrainStep does. */
  step(state: SaeTrainState, x: Float32Array, B: number, lr: number): Promise<StepStats>;
  /** The split of the last step. */
  readonly times: FastStepTimes;
  dispose(): Promise<void>;
}

export async function createFastCpuTrainer(cfg: SaeTrainConfig, opts: FastCpuOptions = {}): Promise<FastCpuTrainer> {
  checkTrainConfig(cfg);
  const chunkRows = opts.chunkRows ?? Math.max(1, Math.floor(CHUNK_VALUES / cfg.dSae));
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new RangeError(`createFastCpuTrainer: chunkRows = ${chunkRows} must be a positive integer`);
  const n = cfg.dIn * cfg.dSae;
  const ctx: StepContext = {
    cfg,
    chunkRows,
    encoder: await createTrainEncoder(cfg.dIn, cfg.dSae, slotsPerRow(cfg), cfg.auxCoef > 0 ? cfg.kAux : 0),
    wasm: new WasmSparse(),
    grads: { W_enc: new Float32Array(n), b_enc: new Float32Array(cfg.dSae), W_dec: new Float32Array(n), b_dec: new Float32Array(cfg.dIn) },
    times: { encoder: 0, sparse: 0, update: 0 },
  };
  return {
    times: ctx.times,
    step: (state, x, B, lr) => fastStep(ctx, state, x, B, lr),
    dispose: () => ctx.encoder.dispose(),
  };
}

interface StepContext {
  cfg: SaeTrainConfig;
  chunkRows: number;
  encoder: TrainEncoder;
  wasm: WasmSparse;
  /** The step's gradients, made once: W_enc [d_in, d_sae], b_enc [d_sae], W_dec [d_sae, d_in], b_dec [d_in]. */
  grads: SaeParams;
  times: FastStepTimes;
}

async function fastStep(ctx: StepContext, state: SaeTrainState, x: Float32Array, B: number, lr: number): Promise<StepStats> {
  const { cfg, wasm, grads: gr, times } = ctx;
  const { dIn, dSae } = cfg;
  const k = slotsPerRow(cfg);
  const p = state.params;
  checkLength('x', x, B * dIn);
  checkLength('sinceFired', state.sinceFired, dSae);
  for (const name of PARAM_NAMES) checkLength(name, p[name], gr[name].length);
  let t0 = performance.now();
  const lap = (key: keyof FastStepTimes) => {
    const t = performance.now();
    times[key] = t - t0;
    t0 = t;
  };

  // Selections, a chunk of rows at a time.
  let numDead = 0;
  const deadMask = new Uint8Array(dSae);
  for (let l = 0; l < dSae; l++) if (state.sinceFired[l] >= cfg.deadTokens) (deadMask[l] = 1), numDead++;
  const kAux = cfg.auxCoef > 0 && numDead > 0 ? cfg.kAux : 0;
  const idx = new Uint32Array(B * k); //     [B, slots]
  const val = new Float32Array(B * k); //    [B, slots]
  const aIdx = new Uint32Array(B * kAux); // [B, k_aux]
  const aVal = new Float32Array(B * kAux); // [B, k_aux]
  for (let r0 = 0; r0 < B; r0 += ctx.chunkRows) {
    const R = Math.min(ctx.chunkRows, B - r0);
    const s = await ctx.encoder.select(p, x.subarray(r0 * dIn, (r0 + R) * dIn), R, kAux ? deadMask : null);
    idx.set(s.main.idx, r0 * k);
    val.set(s.main.val, r0 * k);
    if (s.aux) {
      aIdx.set(s.aux.idx, r0 * kAux);
      aVal.set(s.aux.val, r0 * kAux);
    }
  }
  let active = 0;
  let batch: ReturnType<typeof batchTopk> | null = null;
  if (cfg.architecture === 'batchtopk') {
    batch = batchTopk(val, B, k, batchKeep(cfg.k, B), { threshold: state.threshold ?? 0, emaRate: THRESHOLD_EMA_RATE, capRows: k < dSae });
    active = batch.kept;
  } else {
    for (let i = 0; i < val.length; i++) if (val[i] > 0) active++;
  }
  lap('encoder');

  // The sparse stages in wasm memory. [B, ·] tensors per row; W and both gradients [d_sae, d_in].
  const L = wasm.layout({
    W: dSae * dIn, x: B * dIn, bDec: dIn, row: dIn,
    idx: B * k, val: B * k, dpre: B * k, aIdx: B * kAux, aVal: B * kAux, aDpre: B * kAux,
    xhat: B * dIn, ehat: B * dIn, g: B * dIn, gAux: B * dIn,
    gW: dSae * dIn, gET: dSae * dIn, gbEnc: dSae,
  });
  wasm.f32(L.W, dSae * dIn).set(p.W_dec);
  wasm.f32(L.x, B * dIn).set(x);
  wasm.f32(L.bDec, dIn).set(p.b_dec);
  wasm.u32(L.idx, B * k).set(idx);
  wasm.f32(L.val, B * k).set(val);
  wasm.u32(L.aIdx, B * kAux).set(aIdx);
  wasm.f32(L.aVal, B * kAux).set(aVal);
  wasm.decode(L.val, L.idx, L.W, L.bDec, L.xhat, B, k, dIn);
  if (kAux) wasm.decode(L.aVal, L.aIdx, L.W, null, L.ehat, B, kAux, dIn);
  const xhat = wasm.f32(L.xhat, B * dIn);
  const ehat = kAux ? wasm.f32(L.ehat, B * dIn) : null;
  const t1 = performance.now();
  const stats = lossStats({ x, xhat, ehat, M: B, d: dIn, numDead, auxCoef: cfg.auxCoef });
  const g = wasm.f32(L.g, B * dIn);
  reconGrad({ x, xhat, ehat, M: B, d: dIn, auxGradScale: stats.auxGradScale }, g, kAux ? wasm.f32(L.gAux, B * dIn) : undefined);
  const jsMs = performance.now() - t1;
  const gET = wasm.f32(L.gET, dSae * dIn);
  const gbEnc = wasm.f32(L.gbEnc, dSae);
  wasm.f32(L.gW, dSae * dIn).fill(0);
  gET.fill(0);
  gbEnc.fill(0);
  // Both loss terms: the top-k slots against dL/dx̂, the AuxK slots against dL/dê (pointers into L).
  const terms = [{ idx: L.idx, val: L.val, dpre: L.dpre, g: L.g, k }];
  if (kAux) terms.push({ idx: L.aIdx, val: L.aVal, dpre: L.aDpre, g: L.gAux, k: kAux });
  for (const t of terms) {
    wasm.slotDot(t.g, t.idx, t.val, L.W, t.dpre, B, t.k, dIn); //                          dL/dpre at the slots
    wasm.latentRows(t.idx, t.val, t.val, t.g, null, L.gW, null, L.row, B, t.k, dIn); //   dW_dec += val · g
    wasm.latentRows(t.idx, t.val, t.dpre, L.x, L.bDec, L.gET, L.gbEnc, L.row, B, t.k, dIn); // dW_encᵀ, db_enc
  }
  gr.W_dec.set(wasm.f32(L.gW, dSae * dIn));
  gr.b_enc.set(gbEnc);
  transpose(gET, dSae, dIn, gr.W_enc);
  decoderBiasGrad(g, B, p.W_enc, gr.b_enc, dIn, dSae, gr.b_dec);
  lap('sparse');
  times.sparse -= jsMs;

  // The update, as cpuTrainStep.
  deadUpdate(state.sinceFired, idx, val, B, k);
  decGradProject(gr.W_dec, p.W_dec, dSae, dIn);
  state.step += 1;
  const a = adamScalars({ lr, beta1: cfg.beta1, beta2: cfg.beta2, eps: cfg.eps }, state.step);
  for (const name of PARAM_NAMES) adamStep(p[name], gr[name], state.m[name], state.v[name], a);
  decRenorm(p.W_dec, dSae, dIn);
  lap('update');
  times.update += jsMs;

  const out: StepStats = { loss: stats.loss, mse: stats.mse, fvu: stats.fvu, auxLoss: stats.auxLoss, numDead: stats.numDead, l0: active / B };
  if (batch) {
    state.threshold = batch.threshold;
    out.threshold = batch.threshold;
    out.cappedRows = batch.cappedRows;
  }
  return out;
}

/**
 * The fast step behind the training loop's Stepper (a StepperFactory): updates the state it is given in place.
 * The ort sessions are made on the first step, since a factory returns synchronously.
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
