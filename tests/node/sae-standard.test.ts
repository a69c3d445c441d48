// The standard (ReLU + L1, decoder-norm-weighted) SAE trainer's CPU step (src/sae/train/standard-step.ts):
// - its gradients against central finite differences of the loss written out densely in float64 here, on a
//   small SAE (d_in 7, d_sae 13, B 5) whose pre-activations are away from the ReLU kink, with uneven decoder
//   norms (so the norm term's gradient into W_dec is exercised) and a latent that never fires;
// - the L1 warm-up schedule, the step's statistics and dead counters, the stepper factory;
// - a planted sparse dictionary (as tests/node/sae-train-planted.test.ts: 48 unit features in 16 dims, 3 active
//   per row with magnitudes U(0.5, 1.5), N(0, 0.01²) noise), trained on inputs scaled as the trainer scales them
//   (E‖s·x‖ = √d_in): L0 must fall from the initial ~half of the latents, FVU stay low, and the decoder contain
//   most planted features at cosine ≥ 0.9.
import { describe, expect, it } from 'vitest';
import { estimateInputScale } from '../../src/sae/train/recipe';
import { mulberry32 } from '../../src/sae/train/rng';
import { lrSchedule } from '../../src/sae/train/schedule';
import {
  STANDARD_INIT_DECODER_NORM,
  type StandardStepStats,
  type StandardTrainConfig,
  initStandardParams,
  l1CoefficientAt,
  standardCpuStepper,
  standardLossAndGrads,
  standardTrainConfig,
  standardTrainStep,
} from '../../src/sae/train/standard-step';
import { PARAM_NAMES, type SaeParams, initTrainState, trainConfig } from '../../src/sae/train/types';
import { bestCosines, plantedData } from '../helpers/planted';
import { centralDifferences, termShare } from '../helpers/finite-diff';
import { assertClose } from '../reference/compare';

type P64 = Record<(typeof PARAM_NAMES)[number], Float64Array>;

const MARGIN = 0.02; // every pre-activation at least this far from the ReLU's kink
const H = 1e-5;

interface Dense {
  loss: number;
  mse: number;
  sparsity: number;
  l0: number;
  ok: boolean;
}

/** The standard SAE's loss for batch x, densely in float64. */
function loss64(p: P64, x: Float64Array, B: number, cfg: StandardTrainConfig, lambda: number): Dense {
  const { dIn: d, dSae: S } = cfg;
  const norms = Array.from({ length: S }, (_, l) => Math.hypot(...p.W_dec.subarray(l * d, (l + 1) * d)));
  let sq = 0;
  let l1 = 0;
  let fired = 0;
  let ok = true;
  for (let r = 0; r < B; r++) {
    const acts = new Float64Array(S);
    for (let l = 0; l < S; l++) {
      let s = p.b_enc[l];
      for (let c = 0; c < d; c++) s += (x[r * d + c] - p.b_dec[c]) * p.W_enc[c * S + l];
      if (Math.abs(s) < MARGIN) ok = false;
      acts[l] = Math.max(s, 0);
      l1 += acts[l] * norms[l];
      if (acts[l] > 0) fired++;
    }
    for (let c = 0; c < d; c++) {
      let xh = p.b_dec[c];
      for (let l = 0; l < S; l++) xh += acts[l] * p.W_dec[l * d + c];
      sq += (x[r * d + c] - xh) ** 2;
    }
  }
  return { loss: sq / B + (lambda * l1) / B, mse: sq / B, sparsity: l1 / B, l0: fired / B, ok };
}

function to64(p: SaeParams): P64 {
  return { W_enc: Float64Array.from(p.W_enc), b_enc: Float64Array.from(p.b_enc), W_dec: Float64Array.from(p.W_dec), b_dec: Float64Array.from(p.b_dec) };
}

/** A seeded problem at least MARGIN from the kink everywhere: uneven decoder norms, latent 0 never fires. */
function problem(cfg: StandardTrainConfig, B: number, firstSeed: number) {
  for (let seed = firstSeed; seed < firstSeed + 1000; seed++) {
    const r = mulberry32(seed);
    const u = (n: number, s: number) => Float32Array.from({ length: n }, () => (2 * r() - 1) * s);
    const p = initStandardParams(cfg, seed, 1);
    for (let l = 0; l < cfg.dSae; l++) {
      const f = 0.3 + 1.2 * r();
      for (let c = 0; c < cfg.dIn; c++) p.W_dec[l * cfg.dIn + c] *= f;
    }
    p.b_enc = u(cfg.dSae, 0.1);
    p.b_enc[0] = -5;
    p.b_dec = u(cfg.dIn, 0.2);
    const x = u(B * cfg.dIn, 1);
    if (loss64(to64(p), Float64Array.from(x), B, cfg, 0).ok) return { p, x, seed };
  }
  throw new Error('no seed with every pre-activation away from the ReLU kink');
}

describe('standard SAE gradients vs central finite differences (float64)', () => {
  const B = 5;
  const cfg = standardTrainConfig({ dIn: 7, dSae: 13 });

  it.each([
    { name: 'MSE only (λ 0)', lambda: 0 },
    { name: 'MSE + L1 (λ 0.5)', lambda: 0.5 },
    { name: 'L1 dominant (λ 4)', lambda: 4 },
  ])('$name', ({ lambda }) => {
    const { p, x, seed } = problem(cfg, B, 1);
    const got = standardLossAndGrads(p, x, B, cfg, lambda);
    const p64 = to64(p);
    const x64 = Float64Array.from(x);
    const at = loss64(p64, x64, B, cfg, lambda);
    const s = got.stats;
    console.log(
      `seed ${seed}: loss ${s.loss.toPrecision(8)} / ${at.loss.toPrecision(8)}  mse ${s.mse.toPrecision(7)}  ` +
        `sparsity ${s.sparsityLoss.toPrecision(7)} / ${at.sparsity.toPrecision(7)}  l0 ${s.l0} / ${at.l0} (twin / float64)`,
    );
    for (const [a, b] of [[s.loss, at.loss], [s.mse, at.mse], [s.sparsityLoss, at.sparsity]]) expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * Math.abs(b));
    expect(s.l0).toBe(at.l0);
    expect(s.l0).toBeGreaterThan(1);
    expect(s.l0).toBeLessThan(cfg.dSae - 1);
    expect(got.forward.count[0]).toBe(0);
    expect(s.l1Coefficient).toBe(Math.fround(lambda));

    for (const name of PARAM_NAMES) {
      const fd = centralDifferences(p64[name], H, () => loss64(p64, x64, B, cfg, lambda));
      assertClose(`  d loss / d ${name}`, got.grads[name], fd, 1e-5);
      expect(fd.some((g) => g !== 0)).toBe(true);
    }
    // The never-firing latent gets no gradient at all (its W_dec row has no activation mass to weigh).
    expect(got.grads.b_enc[0]).toBe(0);
    expect(got.grads.W_dec.subarray(0, cfg.dIn).every((g) => g === 0)).toBe(true);
    if (lambda > 0) {
      // λ's share of each gradient: large enough that the check above would catch a missing term. For W_dec it is
      // exactly the decoder-norm term (the activations do not depend on W_dec).
      const mseOnly = standardLossAndGrads(p, x, B, cfg, 0);
      for (const name of PARAM_NAMES) {
        const share = termShare(got.grads[name], mseOnly.grads[name]);
        console.log(`  L1 share of d loss / d ${name}: ${share.toExponential(2)}`);
        expect(share).toBeGreaterThan(1e-2);
      }
    }
  });
});

describe('standard SAE step: L1 warm-up, statistics, dead latents, stepper', () => {
  it('warms λ up linearly over l1WarmupSteps (step t uses min(1, (t + 1) / warm-up))', () => {
    const warm = { l1Coefficient: 5, l1WarmupSteps: 4 };
    expect([0, 1, 2, 3, 4, 10].map((t) => l1CoefficientAt(warm, t))).toEqual([1.25, 2.5, 3.75, 5, 5, 5]);
    expect(l1CoefficientAt({ l1Coefficient: 5, l1WarmupSteps: 0 }, 0)).toBe(5);
    expect(standardTrainConfig({ dIn: 3, dSae: 4 })).toMatchObject({ l1Coefficient: 5, l1WarmupSteps: 0, deadTokens: 10_000_000 });
    expect(() => standardTrainConfig({ dIn: 3, dSae: 4, l1WarmupSteps: 1.5 })).toThrow(/l1WarmupSteps/);
    expect(() => standardTrainConfig({ dIn: 3, dSae: 4, l1Coefficient: -1 })).toThrow(/l1Coefficient/);

    // The step reports the λ it used and the loss it differentiated.
    const cfg = standardTrainConfig({ dIn: 6, dSae: 10, l1Coefficient: 2, l1WarmupSteps: 3 });
    const state = initTrainState(initStandardParams(cfg, 3));
    const r = mulberry32(9);
    const used: number[] = [];
    for (let t = 0; t < 5; t++) {
      const x = Float32Array.from({ length: 4 * cfg.dIn }, () => 2 * r() - 1);
      const s = standardTrainStep(state, x, 4, cfg, 1e-3);
      used.push(s.l1Coefficient);
      expect(Math.abs(s.loss - (s.mse + s.l1Coefficient * s.sparsityLoss))).toBeLessThanOrEqual(1e-6 * s.loss);
      expect(s.auxLoss).toBe(0);
    }
    expect(used).toEqual([2 / 3, 4 / 3, 2, 2, 2].map(Math.fround));
    expect(state.step).toBe(5);
  });

  it('initialises decoder rows at norm 0.1 with W_enc = W_decᵀ and zero biases', () => {
    const cfg = standardTrainConfig({ dIn: 5, dSae: 9 });
    const p = initStandardParams(cfg, 11);
    for (let l = 0; l < cfg.dSae; l++) {
      expect(Math.hypot(...p.W_dec.subarray(l * cfg.dIn, (l + 1) * cfg.dIn))).toBeCloseTo(STANDARD_INIT_DECODER_NORM, 6);
      for (let c = 0; c < cfg.dIn; c++) expect(p.W_enc[c * cfg.dSae + l]).toBe(p.W_dec[l * cfg.dIn + c]);
    }
    expect(p.b_enc.every((v) => v === 0) && p.b_dec.every((v) => v === 0)).toBe(true);
  });

  it('counts dead latents (no positive activation for deadTokens rows) and resets those that fire', () => {
    const B = 4;
    const cfg = standardTrainConfig({ dIn: 6, dSae: 10, deadTokens: 3 * B, l1Coefficient: 0.1 });
    const params = initStandardParams(cfg, 5, 1);
    params.b_enc[2] = -50; // never fires (learning rate 0 below keeps it so)
    params.b_enc[7] = 50; // always fires
    const state = initTrainState(params);
    const r = mulberry32(2);
    const dead: number[] = [];
    for (let t = 0; t < 5; t++) {
      const x = Float32Array.from({ length: B * cfg.dIn }, () => 2 * r() - 1);
      const before = state.sinceFired.slice();
      const s: StandardStepStats = standardTrainStep(state, x, B, cfg, 0);
      dead.push(s.numDead);
      expect(s.numDead).toBe(before.filter((v) => v >= cfg.deadTokens).length);
      const fwd = standardLossAndGrads(state.params, x, B, cfg, 0).forward; // lr 0: the same parameters
      let positives = 0;
      for (let l = 0; l < cfg.dSae; l++) {
        positives += fwd.count[l];
        expect(state.sinceFired[l]).toBe(fwd.count[l] > 0 ? 0 : before[l] + B);
      }
      expect(s.l0).toBe(positives / B);
    }
    expect(state.sinceFired[2]).toBe(5 * B);
    expect(state.sinceFired[7]).toBe(0);
    console.log(`dead per step: ${dead.join(', ')}; final counters ${Array.from(state.sinceFired).join(' ')}`);
    expect(dead[0]).toBe(0);
    expect(dead[4]).toBeGreaterThanOrEqual(1); // latent 2 at least, from the 4th step on
  });

  it('standardCpuStepper steps the state it is given and rejects a loop config of another shape', () => {
    const cfg = standardTrainConfig({ dIn: 6, dSae: 10 });
    const state = initTrainState(initStandardParams(cfg, 1));
    const stepper = standardCpuStepper(cfg)(state, trainConfig({ dIn: 6, dSae: 10, k: 1 }));
    const s = stepper.step(new Float32Array(3 * 6).fill(0.5), 3, 1e-3) as StandardStepStats;
    expect(Number.isFinite(s.loss) && s.l0 >= 0).toBe(true);
    expect(stepper.state()).toBe(state);
    expect(state.step).toBe(1);
    expect(() => standardCpuStepper(cfg)(state, trainConfig({ dIn: 6, dSae: 12, k: 1 }))).toThrow(/d_in × d_sae/);
  });
});

const FEATURES = 48;
const D = 16;
const ACTIVE = 3;
const PB = 64;

describe('CPU standard SAE trainer on a planted dictionary', () => {
  // λ = 1, not the default 5: with only 3 active features in 16 dims each feature's magnitude on scaled inputs
  // is ≈ 2.3, and L1 shrinks every activation by about λ / 2; at λ = 5 nothing would survive. (Measured on this
  // seed: λ 0.5 → L0 14, FVU 0.06, 42/48 found; λ 1 → L0 8.4, FVU 0.14, 48/48; λ 2 → L0 4.4, FVU 0.27, 48/48.)
  const STEPS = 3000;
  const cfg = standardTrainConfig({ dIn: D, dSae: 64, l1Coefficient: 1, l1WarmupSteps: Math.floor(0.05 * STEPS), deadTokens: 100 * PB });

  it('L0 falls, FVU stays low, and ≥ 90% of 48 planted features are found at cosine ≥ 0.9', () => {
    const t0 = performance.now();
    const data = plantedData(1234, { features: FEATURES, d: D, active: ACTIVE, batch: PB });
    const sample = new Float32Array(20 * PB * D);
    for (let i = 0; i < 20; i++) sample.set(data.batch(), i * PB * D);
    const scale = estimateInputScale(sample, D);
    const state = initTrainState(initStandardParams(cfg, 7));
    const lrAt = lrSchedule({ lr: 4e-3, warmupSteps: 0, totalSteps: STEPS, decay: 'linear', decayStart: Math.floor(0.8 * STEPS) });
    const history: StandardStepStats[] = [];
    for (let i = 0; i < STEPS; i++) {
      const x = data.batch().map((v) => v * scale);
      const s = standardTrainStep(state, x, PB, cfg, lrAt(i));
      history.push(s);
      if (i % 500 === 0 || i === STEPS - 1) {
        console.log(`step ${i}: fvu ${s.fvu.toFixed(4)} l0 ${s.l0.toFixed(2)} sparsity ${s.sparsityLoss.toFixed(3)} λ ${s.l1Coefficient.toFixed(3)} dead ${s.numDead}`);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const last = history.slice(-100);
    const l0Start = history[0].l0;
    const l0End = mean(last.map((s) => s.l0));
    const fvuEnd = mean(last.map((s) => s.fvu));
    const cos = bestCosines(data.dict, D, state.params.W_dec, cfg.dSae);
    const found = cos.filter((c) => c >= 0.9).length;
    console.log(
      `input scale ${scale.toFixed(3)}; L0 ${l0Start.toFixed(2)} → ${l0End.toFixed(2)}, FVU (last 100 steps) ${fvuEnd.toFixed(4)}; ` +
        `recovered ${found}/${FEATURES} (min best cosine ${Math.min(...cos).toFixed(3)}) in ${(performance.now() - t0).toFixed(0)} ms`,
    );
    expect(l0Start).toBeGreaterThan(20); // about half of the 64 latents at init
    expect(l0End).toBeLessThan(12);
    expect(fvuEnd).toBeLessThan(0.2);
    expect(found).toBeGreaterThanOrEqual(Math.ceil(0.9 * FEATURES));
    expect(history.at(-1)!.numDead).toBeLessThanOrEqual(4);
  });
});
