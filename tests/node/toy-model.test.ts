// The toy model of superposition (src/analysis/toy/toy-model.ts) on the CPU: its gradient against central
// finite differences, the two regimes of n = 5 features in m = 2 dimensions, and an SAE trained on its hidden
// layer finding the features again.
//   S = 0.97, equal importance, batch 512, 4000 steps of Adam at lr 3e-3: every one of seeds 1–5 gave five
//     columns of norm 1.14–1.16 at consecutive angular gaps of 71.1°–73.0° (a regular pentagon), loss ≈ 0.0043.
//   S = 0, importance 0.7ⁱ, 2000 steps: seeds 1–5 kept features 0 and 1 at norm 0.998–1.001, the other three at
//     norm ≤ 0.024 (their bias ≈ 0.5, the mean of U[0, 1]), loss ≈ 0.0896.
// The tests assert with margins around those measurements (gaps within 5° of 72°, norms within 10%).
import { describe, expect, it } from 'vitest';
import {
  featureDirections,
  featureNorms,
  initToyParams,
  pairwiseAngles,
  planarGaps,
  toyBatches,
  toyImportance,
  toyLossAndGrad,
  trainToyCpu,
} from '../../src/analysis/toy/toy-model';
import { mulberry32 } from '../../src/core/random';
import { cpuStepper, trainSae } from '../../src/sae/train/trainer';
import { trainConfig } from '../../src/sae/train/types';

const N = 5;
const M = 2;
const DEG = 180 / Math.PI;
const sparse = (seed: number) => ({ n: N, m: M, sparsity: 0.97, importanceDecay: 1, batch: 512, steps: 4000, lr: 3e-3, seed });
const dense = (seed: number) => ({ n: N, m: M, sparsity: 0, importanceDecay: 0.7, batch: 512, steps: 2000, lr: 3e-3, seed });

describe('toy model of superposition (CPU)', () => {
  it('has the gradient central finite differences give', () => {
    const cfg = { n: 7, m: 3, sparsity: 0.5, importanceDecay: 0.8, batch: 16, seed: 3 };
    const params = Float64Array.from(initToyParams(cfg));
    // A bias that keeps some outputs negative and some positive, so both sides of the ReLU are exercised.
    for (let i = 0; i < cfg.n; i++) params[cfg.m * cfg.n + i] = 0.3 * Math.sin(i + 1);
    const x = toyBatches(cfg)();
    const imp = toyImportance(cfg);
    const { grad } = toyLossAndGrad(params, x, imp, cfg.n, cfg.m);
    const h = 1e-6;
    let maxErr = 0;
    let maxGrad = 0;
    for (let p = 0; p < params.length; p++) {
      const plus = params.slice();
      const minus = params.slice();
      plus[p] += h;
      minus[p] -= h;
      const fd = (toyLossAndGrad(plus, x, imp, cfg.n, cfg.m).loss - toyLossAndGrad(minus, x, imp, cfg.n, cfg.m).loss) / (2 * h);
      maxErr = Math.max(maxErr, Math.abs(fd - grad[p]));
      maxGrad = Math.max(maxGrad, Math.abs(grad[p]));
    }
    console.log(`finite differences: max |fd − grad| ${maxErr.toExponential(2)}, max |grad| ${maxGrad.toExponential(2)}`);
    expect(maxGrad).toBeGreaterThan(1e-2);
    expect(maxErr).toBeLessThan(1e-6 * Math.max(1, maxGrad));
  });

  it.each([1, 2, 3])('sparse inputs (S = 0.97), equal importance: five features of equal norm on a regular pentagon (seed %i)', (seed) => {
    const r = trainToyCpu(sparse(seed));
    const norms = Array.from(featureNorms(r.W, N, M));
    const { gaps } = planarGaps(r.W, N, M);
    console.log(`seed ${seed}: norms ${norms.map((v) => v.toFixed(3))} gaps ${gaps.map((g) => g.toFixed(1))}° final loss ${r.lossHistory.at(-1)!.toFixed(5)}`);
    const mean = norms.reduce((a, b) => a + b, 0) / N;
    expect(mean).toBeGreaterThan(0.5);
    for (const v of norms) expect(Math.abs(v - mean) / mean).toBeLessThan(0.1);
    for (const g of gaps) expect(Math.abs(g - 72)).toBeLessThan(5);
    // Equivalently, every pair of features is 72° or 144° apart.
    const angles = pairwiseAngles(r.W, N, M);
    for (let a = 0; a < N; a++) {
      for (let c = a + 1; c < N; c++) {
        const deg = angles[a * N + c] * DEG;
        expect(Math.min(Math.abs(deg - 72), Math.abs(deg - 144))).toBeLessThan(5);
      }
    }
    expect(r.lossHistory.at(-1)!).toBeLessThan(r.lossHistory[0]);
  });

  it.each([1, 2])('dense inputs (S = 0): only the two most important features, in dedicated orthogonal dimensions (seed %i)', (seed) => {
    const r = trainToyCpu(dense(seed));
    const norms = Array.from(featureNorms(r.W, N, M));
    console.log(`seed ${seed}: norms ${norms.map((v) => v.toFixed(3))} b ${Array.from(r.b).map((v) => v.toFixed(3))}`);
    expect(Math.abs(norms[0] - 1)).toBeLessThan(0.05);
    expect(Math.abs(norms[1] - 1)).toBeLessThan(0.05);
    for (const v of norms.slice(2)) expect(v).toBeLessThan(0.1);
    expect(Math.abs(pairwiseAngles(r.W, N, M)[1] * DEG - 90)).toBeLessThan(5);
  });

  it('an SAE trained on the hidden layer recovers all five feature directions (cosine ≥ 0.95)', async () => {
    const toy = trainToyCpu(sparse(1));
    const dirs = featureDirections(toy.W, N, M).map((d) => d.map((v) => v / Math.hypot(...d)));
    // Fresh inputs from another stream; all-zero rows (86% at S = 0.97) carry nothing and are dropped.
    const rand = mulberry32(99);
    const hidden = (rows: number): Float32Array => {
      const out = new Float32Array(rows * M);
      for (let r = 0; r < rows; ) {
        const x = Array.from({ length: N }, () => (rand() >= 0.97 ? rand() : 0));
        if (x.every((v) => v === 0)) continue;
        for (let j = 0; j < M; j++) for (let i = 0; i < N; i++) out[r * M + j] += toy.W[j * N + i] * x[i];
        r++;
      }
      return out;
    };
    const cfg = trainConfig({ dIn: M, dSae: 8, k: 1 });
    const steps = 1500;
    const batches = (function* () {
      for (let s = 0; s < steps; s++) yield hidden(128);
    })();
    const res = await trainSae({ batches, cfg, steps, schedule: { lr: 3e-3, warmupSteps: 50, decay: 'linear', decayStart: 1200 }, seed: 5, sampleForInit: hidden(2048), stepper: cpuStepper });
    const wDec = res.state.params.W_dec; // [d_sae, d_in], unit rows
    const best = dirs.map((d) => {
      let b = -1;
      for (let l = 0; l < cfg.dSae; l++) b = Math.max(b, d[0] * wDec[l * M] + d[1] * wDec[l * M + 1]);
      return b;
    });
    console.log(`SAE: final fvu ${res.history.at(-1)!.fvu.toFixed(4)}, best cosine per feature ${best.map((c) => c.toFixed(4))}`);
    for (const c of best) expect(c).toBeGreaterThanOrEqual(0.95);
  });
});
