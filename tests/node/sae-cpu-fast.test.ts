// The fast CPU training step (src/sae/train/cpu-fast-step.ts: the encoder on onnxruntime-web wasm, the sparse
// stages rewritten) against the CPU twin step (src/sae/train/cpu-step.ts): the same states and statistics within
// 1e-5 (relative to each tensor's largest magnitude) after several steps, on sizes that are not powers of two,
// with AuxK running (latents die within the run) and batches split across encoder chunks; TopK and BatchTopK.
// The rewritten sparse stages are also held to their twins on their own.
import { describe, expect, it } from 'vitest';
import { biasGrad } from '../../src/sae/cpu/bias_grad';
import { latentGrad } from '../../src/sae/cpu/latent_grad';
import { maskDead } from '../../src/sae/cpu/mask_dead';
import { topkRows } from '../../src/sae/cpu/topk_rows';
import { createFastCpuTrainer, fastCpuStepper } from '../../src/sae/train/cpu-fast-step';
import { biasGradT, deadLatents, deadTopk, latentRowsGrad, transpose } from '../../src/sae/train/cpu-fast-sparse';
import { cpuTrainStep, initSaeParams } from '../../src/sae/train/cpu-step';
import { estimateInputScale } from '../../src/sae/train/recipe';
import { gaussian, mulberry32 } from '../../src/sae/train/rng';
import { cpuStepper, shuffledBatches, trainSae } from '../../src/sae/train/trainer';
import { PARAM_NAMES, type SaeTrainConfig, type SaeTrainState, type StepStats, initTrainState, trainConfig } from '../../src/sae/train/types';
import { assertClose, assertExact } from '../reference/compare';

const TOL = 1e-5;

function cloneState(s: SaeTrainState): SaeTrainState {
  const c = <T extends Record<string, Float32Array>>(p: T) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.slice()])) as T;
  return { params: c(s.params), m: c(s.m), v: c(s.v), step: s.step, sinceFired: s.sinceFired.slice(), ...(s.threshold !== undefined ? { threshold: s.threshold } : {}) };
}

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
  const fast = cloneState(twin);
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

describe('the rewritten sparse stages vs their twins', () => {
  const [M, k, dSae, d] = [13, 5, 47, 11];
  const normal = gaussian(mulberry32(31));
  const rand = (n: number) => Float32Array.from({ length: n }, () => normal());
  const top = topkRows(rand(M * dSae), M, dSae, k, { relu: true });
  const a = rand(M * d);
  const sub = rand(d);
  const coef = rand(M * k).map((v, i) => (top.values[i] > 0 ? v : 0));
  const wEnc = rand(d * dSae);
  const row = new Float32Array(d);

  it('latentRowsGrad (+ transpose) equals latentGrad, both layouts, bit for bit', () => {
    const shape = { M, k, dSae, d, idx: top.indices, vals: top.values, coef, a, sub };
    const refT = new Float32Array(d * dSae);
    const refSums = new Float32Array(dSae);
    latentGrad({ ...shape, transposed: true, accumulate: false }, refT, refSums);
    const gotRows = new Float32Array(dSae * d);
    const gotSums = new Float32Array(dSae);
    latentRowsGrad(shape, gotRows, gotSums, row);
    const gotT = new Float32Array(d * dSae);
    transpose(gotRows, dSae, d, gotT);
    assertExact('dW_encᵀ', gotT, refT);
    assertExact('db_enc', gotSums, refSums);
  });

  it('biasGradT on W_encᵀ equals biasGrad on W_enc, bit for bit, with and without g', () => {
    const wEncT = new Float32Array(dSae * d);
    transpose(wEnc, d, dSae, wEncT);
    for (const g of [a, null]) {
      const ref = Float32Array.of(...sub);
      const got = Float32Array.of(...sub);
      biasGrad({ M, k, dSae, d, g, dpre: coef, idx: top.indices, wEnc, accumulate: true }, ref);
      biasGradT({ M, k, dSae, d, g, dpre: coef, idx: top.indices, wEncT }, got, true, row, new Float64Array(d));
      assertExact(`db_dec (g ${g ? 'on' : 'null'})`, got, ref);
    }
  });

  it('deadTopk equals topkRows of maskDead, with more and with fewer dead latents than k_aux', () => {
    const pre = rand(M * dSae);
    for (const every of [2, 9]) {
      const since = Uint32Array.from({ length: dSae }, (_, l) => (l % every === 0 ? 50 : 0));
      const kAux = 8;
      const ref = topkRows(maskDead(pre, since, 50, M, dSae), M, dSae, kAux, { relu: true });
      const got = { indices: new Uint32Array(M * kAux), values: new Float32Array(M * kAux) };
      deadTopk(pre, M, dSae, deadLatents(since, 50), kAux, got);
      assertExact(`aux indices (1 in ${every} dead)`, got.indices, ref.indices);
      assertExact(`aux values (1 in ${every} dead)`, got.values, ref.values);
    }
  });
});
