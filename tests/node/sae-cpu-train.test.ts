// The training-step CPU twins (src/sae/cpu/{adam,dec_grad_project,dec_renorm,dead_update,mask_dead,latent_grad,
// bias_grad}.ts), the schedule and the config defaults, on hand-checked cases.
import { describe, expect, it } from 'vitest';
import { adamScalars, adamStep } from '../../src/sae/cpu/adam';
import { biasGrad } from '../../src/sae/cpu/bias_grad';
import { SINCE_FIRED_MAX, deadUpdate } from '../../src/sae/cpu/dead_update';
import { decGradProject } from '../../src/sae/cpu/dec_grad_project';
import { decRenorm } from '../../src/sae/cpu/dec_renorm';
import { latentGrad } from '../../src/sae/cpu/latent_grad';
import { NOT_DEAD, countDead, maskDead } from '../../src/sae/cpu/mask_dead';
import { cpuTrainStep, initSaeParams } from '../../src/sae/train/cpu-step';
import { lrSchedule } from '../../src/sae/train/schedule';
import { initTrainState, trainConfig } from '../../src/sae/train/types';

describe('decoder row constraints', () => {
  it('decGradProject removes the component along each row', () => {
    const w = Float32Array.of(3, 4, 0, 0, 0, 0); // rows (3, 4, 0) and all-zero
    const g = Float32Array.of(1, 1, 1, 5, 6, 7);
    decGradProject(g, w, 2, 3);
    // (1,1,1) − (7/25)(3,4,0) = (0.16, −0.12, 1)
    expect(Array.from(g).map((v) => +v.toFixed(6))).toEqual([0.16, -0.12, 1, 5, 6, 7]);
  });

  it('decRenorm scales rows to unit norm and leaves zero rows', () => {
    const w = Float32Array.of(3, 4, 0, 0);
    decRenorm(w, 2, 2);
    expect(Array.from(w)).toEqual([Math.fround(0.6), Math.fround(0.8), 0, 0]);
  });
});

describe('adam', () => {
  it('matches the bias-corrected update written out in float64 for three steps', () => {
    const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    const p = Float32Array.of(0.5, -1, 0);
    const m = new Float32Array(3);
    const v = new Float32Array(3);
    const grads = [Float32Array.of(0.1, -2, 0), Float32Array.of(0.3, 1, 0), Float32Array.of(-0.2, 0.5, 0)];
    const ref = { p: [0.5, -1, 0], m: [0, 0, 0], v: [0, 0, 0] };
    for (let t = 1; t <= 3; t++) {
      adamStep(p, grads[t - 1], m, v, adamScalars(h, t));
      for (let i = 0; i < 3; i++) {
        const g = grads[t - 1][i];
        ref.m[i] = 0.9 * ref.m[i] + 0.1 * g;
        ref.v[i] = 0.999 * ref.v[i] + 0.001 * g * g;
        const mh = ref.m[i] / (1 - 0.9 ** t);
        const vh = ref.v[i] / (1 - 0.999 ** t);
        ref.p[i] -= (h.lr * mh) / (Math.sqrt(vh) + h.eps);
      }
    }
    for (let i = 0; i < 3; i++) expect(p[i]).toBeCloseTo(ref.p[i], 6);
    expect(p[2]).toBe(0); // zero gradient throughout: no movement
    // The first step moves every parameter with a nonzero gradient by lr against its sign.
    const q = Float32Array.of(1);
    adamStep(q, Float32Array.of(-3), new Float32Array(1), new Float32Array(1), adamScalars(h, 1));
    expect(q[0]).toBeCloseTo(1.01, 6);
  });

  it('rejects a step count below 1', () => {
    expect(() => adamScalars({ lr: 1, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, 0)).toThrow(RangeError);
  });
});

describe('dead latents', () => {
  it('deadUpdate resets latents with a positive activation, adds M to the rest, saturates', () => {
    const since = Uint32Array.of(5, 5, 5, SINCE_FIRED_MAX - 1);
    // rows: (latent 0: 0.5, latent 2: 0) and (latent 1: 0.2, latent 3: 0)
    deadUpdate(since, Uint32Array.of(0, 2, 1, 3), Float32Array.of(0.5, 0, 0.2, 0), 2, 2);
    expect(Array.from(since)).toEqual([0, 0, 7, SINCE_FIRED_MAX]);
  });

  it('maskDead keeps dead latents and sends the rest to −FLT_MAX', () => {
    const since = Uint32Array.of(10, 2, 10);
    expect(countDead(since, 10)).toBe(2);
    expect(Array.from(maskDead(Float32Array.of(1, 2, 3, 4, 5, 6), since, 10, 2, 3))).toEqual([1, NOT_DEAD, 3, 4, NOT_DEAD, 6]);
    expect(Math.fround(NOT_DEAD)).toBe(NOT_DEAD);
  });
});

describe('sparse gradient twins', () => {
  // 2 rows, k = 2, d_sae = 3, d = 2: row 0 selects latents 2 (0.5) and 0 (0: ReLU'd off); row 1 selects 2 (2) and 1 (1).
  const idx = Uint32Array.of(2, 0, 2, 1);
  const vals = Float32Array.of(0.5, 0, 2, 1);
  const a = Float32Array.of(1, 2, 3, 4);
  const shape = { M: 2, k: 2, dSae: 3, d: 2 };

  it('latentGrad sums coef · (a − sub) per latent over the rows that selected it', () => {
    const out = new Float32Array(6);
    latentGrad({ ...shape, idx, vals, coef: vals, a, sub: null, transposed: false, accumulate: false }, out);
    // latent 0: nothing (value 0); latent 1: 1·(3,4); latent 2: 0.5·(1,2) + 2·(3,4)
    expect(Array.from(out)).toEqual([0, 0, 3, 4, 6.5, 9]);
    const outT = Float32Array.of(1, 1, 1, 1, 1, 1);
    const sums = Float32Array.of(1, 1, 1);
    latentGrad({ ...shape, idx, vals, coef: vals, a, sub: Float32Array.of(1, 1), transposed: true, accumulate: true }, outT, sums);
    // [d, d_sae]: latent 2 column = 1 + 0.5·(0,1) + 2·(2,3) = (5, 7.5); latent 1 column = 1 + (2,3)
    expect(Array.from(outT)).toEqual([1, 3, 5, 1, 4, 7.5]);
    expect(Array.from(sums)).toEqual([1, 2, 3.5]);
  });

  it('biasGrad = Σ_rows g − Σ_rows Σ_j dpre · W_enc[:, idx]', () => {
    const wEnc = Float32Array.of(1, 2, 3, 4, 5, 6); // [d = 2, d_sae = 3]
    const out = new Float32Array(2);
    biasGrad({ ...shape, g: a, dpre: Float32Array.of(1, 0, 0.5, 2), idx, wEnc, accumulate: false }, out);
    // c = 0: (1 + 3) − (1·3 + 0.5·3 + 2·2) = −4.5;  c = 1: (2 + 4) − (1·6 + 0.5·6 + 2·5) = −13
    expect(Array.from(out)).toEqual([-4.5, -13]);
  });
});

describe('training config and schedule', () => {
  it('defaults follow the recipe: k_aux = d_in / 2 (≤ d_sae, ≤ MAX_TOPK = 1024), coefficient 1/32, Adam 0.9/0.999/1e-8', () => {
    const c = trainConfig({ dIn: 768, dSae: 24576, k: 32 });
    expect([c.kAux, c.auxCoef, c.beta1, c.beta2, c.eps]).toEqual([384, 1 / 32, 0.9, 0.999, 1e-8]);
    expect(trainConfig({ dIn: 16, dSae: 64, k: 4 }).kAux).toBe(8);
    expect(trainConfig({ dIn: 16, dSae: 5, k: 4 }).kAux).toBe(5);
    expect(() => trainConfig({ dIn: 16, dSae: 5, k: 6 })).toThrow(/k = 6/);
  });

  it('lrSchedule: linear warm-up, then the decay', () => {
    const f = lrSchedule({ lr: 1, warmupSteps: 4, totalSteps: 14, decay: 'linear' });
    expect([0, 1, 3, 4, 9, 14, 20].map(f)).toEqual([0.25, 0.5, 1, 1, 0.5, 0, 0]);
    const c = lrSchedule({ lr: 2, totalSteps: 10, decay: 'cosine', finalFraction: 0.5 });
    expect([c(0), c(5), c(10)].map((v) => +v.toFixed(6))).toEqual([2, 1.5, 1]);
    expect(lrSchedule({ lr: 3 })(1e6)).toBe(3);
  });
});

describe('cpuTrainStep', () => {
  it('takes a step: counts it, updates dead counters, keeps decoder rows unit norm, lowers the loss', () => {
    const cfg = trainConfig({ dIn: 8, dSae: 20, k: 2, deadTokens: 6 });
    const state = initTrainState(initSaeParams(cfg, 3));
    const x = Float32Array.from({ length: 6 * 8 }, (_, i) => Math.sin(i * 1.7));
    const first = cpuTrainStep(state, x, 6, cfg, 1e-2);
    expect(state.step).toBe(1);
    expect(first.numDead).toBe(0);
    expect(state.sinceFired.filter((s) => s === 0).length).toBeGreaterThan(0);
    expect(state.sinceFired.every((s) => s === 0 || s === 6)).toBe(true);
    let last = first;
    for (let i = 0; i < 50; i++) last = cpuTrainStep(state, x, 6, cfg, 1e-2);
    expect(last.numDead).toBeGreaterThan(0); // most latents never fire on these 6 rows
    expect(last.auxLoss).toBeGreaterThan(0);
    expect(last.mse).toBeLessThan(first.mse);
    for (let l = 0; l < cfg.dSae; l++) {
      let nn = 0;
      for (let c = 0; c < cfg.dIn; c++) nn += state.params.W_dec[l * cfg.dIn + c] ** 2;
      expect(Math.sqrt(nn)).toBeCloseTo(1, 6);
    }
  });
});
