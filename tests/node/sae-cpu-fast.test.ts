// The fast CPU training step (src/sae/train/cpu-fast-step.ts: the encoder on onnxruntime-web wasm, the sparse
// stages rewritten) against the CPU twin step (src/sae/train/cpu-step.ts): the same states and statistics within
// 1e-5 (relative to each tensor's largest magnitude) after several steps, on sizes that are not powers of two,
// with AuxK running (latents die within the run) and batches split across encoder chunks; TopK and BatchTopK.
// Each piece is also held to its twin on its own: the ort encoder's selections (indices exactly), the wasm SIMD
// kernels (sizes not a multiple of the 4 lanes) and the dense db_dec.
import { describe, expect, it } from 'vitest';
import { biasGrad } from '../../src/sae/cpu/bias_grad';
import { latentGrad } from '../../src/sae/cpu/latent_grad';
import { maskDead } from '../../src/sae/cpu/mask_dead';
import { matmulBias } from '../../src/sae/cpu/matmul_bias';
import { sparseDecode } from '../../src/sae/cpu/sparse_decode';
import { sparseDot } from '../../src/sae/cpu/sparse_dot';
import { topkRows } from '../../src/sae/cpu/topk_rows';
import { createTrainEncoder } from '../../src/sae/train/cpu-fast-encoder';
import { WasmSparse, decoderBiasGrad, transpose } from '../../src/sae/train/cpu-fast-sparse';
import { createFastCpuTrainer, fastCpuStepper } from '../../src/sae/train/cpu-fast-step';
import { cpuTrainStep, initSaeParams } from '../../src/sae/train/cpu-step';
import { estimateInputScale } from '../../src/sae/train/recipe';
import { gaussian, mulberry32 } from '../../src/sae/train/rng';
import { cpuStepper, shuffledBatches, trainSae } from '../../src/sae/train/trainer';
import { PARAM_NAMES, type SaeTrainConfig, type SaeTrainState, type StepStats, initTrainState, trainConfig } from '../../src/sae/train/types';
import { assertClose, assertExact } from '../reference/compare';

const TOL = 1e-5;


/**
 * Rows with a few strong directions plus noise, so latents specialise and some stop firing; scaled as the trainer
 * scales its inputs (mean row norm √d, ../../src/sae/train/recipe.ts).
 */
function rows(n: number, d: number, seed: number): Float32Array {
  const normal = gaussian(mulberry32(seed));
  const dirs = Array.from({ length: 5 }, () => Float32Array.from({ length: d }, () => normal()));
  const x = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    const dir = dirs[r % 5];
    const a = 1 + Math.abs(normal());
    for (let c = 0; c < d; c++) x[r * d + c] = a * dir[c] + 0.3 * normal();
  }
  const s = estimateInputScale(x, d);
  return x.map((v) => v * s);
}

function startState(cfg: SaeTrainConfig, seed: number): SaeTrainState {
  const p = initSaeParams(cfg, seed);
  const normal = gaussian(mulberry32(seed + 1));
  for (let c = 0; c < cfg.dIn; c++) p.b_dec[c] = 0.1 * normal();
  return initTrainState(p);
}

function compareStates(tag: string, got: SaeTrainState, ref: SaeTrainState): void {
  for (const name of PARAM_NAMES) {
    assertClose(`${tag} ${name}`, got.params[name], ref.params[name], TOL);
    assertClose(`${tag} m.${name}`, got.m[name], ref.m[name], TOL);
    assertClose(`${tag} v.${name}`, got.v[name], ref.v[name], TOL);
  }
  assertExact(`${tag} sinceFired`, got.sinceFired, ref.sinceFired);
  expect(got.step).toBe(ref.step);
  if (ref.threshold !== undefined) expect(Math.abs(got.threshold! - ref.threshold)).toBeLessThanOrEqual(TOL * Math.abs(ref.threshold));
}

function compareStats(tag: string, got: StepStats, ref: StepStats): void {
  for (const key of ['loss', 'mse', 'fvu', 'auxLoss', 'l0', 'threshold'] as const) {
    const r = ref[key];
    if (r === undefined) continue;
    const gv = got[key]!;
    if (!(Math.abs(gv - r) <= TOL * Math.abs(r))) throw new Error(`${tag} ${key}: fast ${gv}, twin ${r} (rel ${(Math.abs(gv - r) / Math.abs(r)).toExponential(2)})`);
  }
  expect(got.numDead).toBe(ref.numDead);
  expect(got.cappedRows).toBe(ref.cappedRows);
}

/** Runs both steps side by side for `steps` batches; returns how many steps had AuxK on. */
async function sideBySide(cfg: SaeTrainConfig, B: number, steps: number, chunkRows: number | undefined, seed: number): Promise<number> {
  const twin = startState(cfg, seed);
  const fast = structuredClone(twin);
  const trainer = await createFastCpuTrainer(cfg, { chunkRows });
  const x = rows(B * steps, cfg.dIn, seed + 2);
  let auxSteps = 0;
  try {
    for (let t = 0; t < steps; t++) {
      const xb = x.subarray(t * B * cfg.dIn, (t + 1) * B * cfg.dIn);
      const lr = 1e-3 * (1 + (t % 3));
      const ref = cpuTrainStep(twin, xb, B, cfg, lr);
      const got = await trainer.step(fast, xb, B, lr);
      console.log(`step ${t + 1}: loss ${ref.loss.toFixed(5)} numDead ${ref.numDead} l0 ${ref.l0}`);
      compareStats(`step ${t + 1}`, got, ref);
      if (ref.numDead > 0) auxSteps++;
    }
    compareStates(`after ${steps} steps`, fast, twin);
  } finally {
    await trainer.dispose();
  }
  return auxSteps;
}

describe('fast CPU step vs the CPU twin step', () => {
  it('TopK, d_in 37 / d_sae 131 / k 7, batch 19 in chunks of 5: 8 steps, AuxK from step 3', async () => {
    const cfg = trainConfig({ dIn: 37, dSae: 131, k: 7, deadTokens: 2 * 19 });
    expect(await sideBySide(cfg, 19, 8, 5, 11)).toBeGreaterThanOrEqual(5);
  });

  it('TopK with fewer dead latents than k_aux (the rest of each AuxK row is zeros)', async () => {
    const cfg = trainConfig({ dIn: 37, dSae: 131, k: 20, kAux: 100, deadTokens: 19 });
    expect(await sideBySide(cfg, 19, 5, 7, 12)).toBeGreaterThanOrEqual(3);
  });

  it('BatchTopK, d_in 37 / d_sae 131 / k 5.5 (kCand 23), batch 19 in chunks of 4: 6 steps', async () => {
    const cfg = trainConfig({ dIn: 37, dSae: 131, k: 5.5, kCand: 23, architecture: 'batchtopk', deadTokens: 2 * 19 });
    expect(await sideBySide(cfg, 19, 6, 4, 13)).toBeGreaterThanOrEqual(2);
  });

  it('TopK at d_in 256 / d_sae 2048 / k 32 (the tiny model), batch 96: 4 steps', async () => {
    const cfg = trainConfig({ dIn: 256, dSae: 2048, k: 32, deadTokens: 96 });
    expect(await sideBySide(cfg, 96, 4, undefined, 14)).toBeGreaterThanOrEqual(2);
  });

  it('through trainSae: fastCpuStepper trains what cpuStepper trains', async () => {
    const cfg = trainConfig({ dIn: 29, dSae: 83, k: 4, deadTokens: 64 });
    const data = rows(400, cfg.dIn, 21);
    const run = (stepper: typeof cpuStepper) =>
      trainSae({ batches: shuffledBatches(data, cfg.dIn, 32, { seed: 3 }), cfg, steps: 10, schedule: { lr: 4e-3, warmupSteps: 2 }, seed: 8, sampleForInit: data, stepper });
    const [ref, got] = [await run(cpuStepper), await run(fastCpuStepper)];
    for (let i = 0; i < ref.history.length; i++) compareStats(`trainSae step ${i + 1}`, got.history[i], ref.history[i]);
    compareStates('trainSae', got.state, ref.state);
  });
});

describe('the fast step\'s pieces vs their twins', () => {
  const [M, k, dSae, d] = [13, 5, 47, 37]; // d not a multiple of 4: the kernels' scalar tails run
  const normal = gaussian(mulberry32(31));
  const rand = (n: number) => Float32Array.from({ length: n }, () => normal());
  const top = topkRows(rand(M * dSae), M, dSae, k, { relu: true }); // some slots ReLU'd to 0
  const a = rand(M * d);
  const sub = rand(d);
  const wDec = rand(dSae * d);
  const coef = rand(M * k).map((v, i) => (top.values[i] > 0 ? v : 0));

  /** The kernels' memory with the inputs above copied in. */
  function loaded() {
    const w = new WasmSparse();
    const L = w.layout({ W: dSae * d, a: M * d, sub: d, row: d, idx: M * k, val: M * k, coef: M * k, out: dSae * d, sums: dSae, dots: M * k });
    w.f32(L.W, dSae * d).set(wDec);
    w.f32(L.a, M * d).set(a);
    w.f32(L.sub, d).set(sub);
    w.u32(L.idx, M * k).set(top.indices);
    w.f32(L.val, M * k).set(top.values);
    w.f32(L.coef, M * k).set(coef);
    return { w, L };
  }

  it('wasm decode equals sparseDecode, with and without the bias', () => {
    const { w, L } = loaded();
    for (const bias of [true, false]) {
      const ref = sparseDecode({ vals: top.values, idx: top.indices, wDec, bDec: bias ? sub : new Float32Array(d), M, k, dSae, d });
      w.decode(L.val, L.idx, L.W, bias ? L.sub : null, L.a, M, k, d);
      assertClose(`decode (bias ${bias})`, w.f32(L.a, M * d), ref, 1e-6);
    }
  });

  it('wasm slotDot equals sparseDot (0 where the slot is not selected)', () => {
    const { w, L } = loaded();
    w.slotDot(L.a, L.idx, L.val, L.W, L.dots, M, k, d);
    const got = w.f32(L.dots, M * k);
    assertClose('slot dots', got, sparseDot({ g: a, idx: top.indices, vals: top.values, wDec, M, k, dSae, d }), 1e-6);
    for (let i = 0; i < M * k; i++) if (!(top.values[i] > 0)) expect(got[i]).toBe(0);
  });

  it('wasm latentRows (+ transpose) equals latentGrad in both layouts, accumulating', () => {
    const { w, L } = loaded();
    const shape = { M, k, dSae, d, idx: top.indices, vals: top.values };
    const start = rand(dSae * d);
    const refT = new Float32Array(d * dSae);
    transpose(start, dSae, d, refT);
    const refSums = Float32Array.of(...start.subarray(0, dSae));
    latentGrad({ ...shape, coef, a, sub, transposed: true, accumulate: true }, refT, refSums);
    w.f32(L.out, dSae * d).set(start);
    w.f32(L.sums, dSae).set(start.subarray(0, dSae));
    w.latentRows(L.idx, L.val, L.coef, L.a, L.sub, L.out, L.sums, L.row, M, k, d);
    const gotT = new Float32Array(d * dSae);
    transpose(w.f32(L.out, dSae * d), dSae, d, gotT);
    assertClose('dW_encᵀ', gotT, refT, 1e-6);
    assertClose('db_enc', w.f32(L.sums, dSae), refSums, 1e-6);
    const ref = new Float32Array(dSae * d);
    latentGrad({ ...shape, coef: top.values, a, sub: null, transposed: false, accumulate: false }, ref);
    w.f32(L.out, dSae * d).fill(0);
    w.latentRows(L.idx, L.val, L.val, L.a, null, L.out, null, L.row, M, k, d);
    assertClose('dW_dec', w.f32(L.out, dSae * d), ref, 1e-6);
  });

  it('decoderBiasGrad (Σ g − W_enc · db_enc) equals biasGrad of both loss terms', () => {
    const wEnc = rand(d * dSae);
    const aux = topkRows(rand(M * dSae), M, dSae, 9, { relu: true });
    const auxDpre = rand(M * 9).map((v, i) => (aux.values[i] > 0 ? v : 0));
    const ref = new Float32Array(d);
    biasGrad({ M, k, dSae, d, g: a, dpre: coef, idx: top.indices, wEnc, accumulate: false }, ref);
    biasGrad({ M, k: 9, dSae, d, g: null, dpre: auxDpre, idx: aux.indices, wEnc, accumulate: true }, ref);
    const dbEnc = new Float64Array(dSae);
    for (let i = 0; i < M * k; i++) dbEnc[top.indices[i]] += coef[i];
    for (let i = 0; i < M * 9; i++) dbEnc[aux.indices[i]] += auxDpre[i];
    const got = new Float32Array(d);
    decoderBiasGrad(a, M, wEnc, Float32Array.from(dbEnc), d, dSae, got);
    assertClose('db_dec', got, ref, 1e-6);
  });

  it('the ort encoder selects what matmulBias → topkRows (and maskDead → topkRows for AuxK) select', async () => {
    const wEnc = rand(d * dSae);
    const p = { W_enc: wEnc, b_enc: rand(dSae), W_dec: wDec, b_dec: sub };
    const since = Uint32Array.from({ length: dSae }, (_, l) => (l % 3 === 0 ? 9 : 0));
    const dead = Uint8Array.from(since, (s) => (s >= 9 ? 1 : 0));
    const pre = matmulBias({ a, b: wEnc, bias: p.b_enc, sub, M, K: d, N: dSae });
    const refMain = topkRows(pre, M, dSae, k, { relu: true });
    for (const kAux of [11, 20]) { // 16 latents dead: more than k_aux, then fewer (the rest: value 0, live latents)
      const enc = await createTrainEncoder(d, dSae, k, kAux);
      try {
        const { main, aux } = await enc.select(p, a, M, dead);
        const refAux = topkRows(maskDead(pre, since, 9, M, dSae), M, dSae, kAux, { relu: true });
        assertExact(`top-k indices (k_aux ${kAux})`, main.idx, refMain.indices);
        assertClose(`top-k values (k_aux ${kAux})`, main.val, refMain.values, 1e-6);
        assertExact(`AuxK indices (k_aux ${kAux})`, aux!.idx, refAux.indices);
        assertClose(`AuxK values (k_aux ${kAux})`, aux!.val, refAux.values, 1e-6);
        expect((await enc.select(p, a, M, null)).aux).toBeNull();
      } finally {
        await enc.dispose();
      }
    }
  });
});
