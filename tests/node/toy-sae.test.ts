// The toy model page's core (src/analysis/toy/toy-sae.ts, representedGaps, toyCpuTrainer) on the CPU: direction
// matching on hand-made dictionaries, and trainToySae (the project's SAE trainer on the CPU twin) recovering the
// five directions of a pentagon toy model with its page defaults and with the small budget the Chromium page test
// uses on the GPU.
//   Measured: toy seeds 1–3 × SAE seeds 5–7 at 200 steps of 16 rows, lr 1e-2: smallest cosine 0.985–0.9998.
import { describe, expect, it } from 'vitest';
import { representedGaps, toyCpuTrainer, trainToyCpu } from '../../src/analysis/toy/toy-model';
import { bestMatches, toyHiddenRows, trainToySae } from '../../src/analysis/toy/toy-sae';
import { mulberry32 } from '../../src/core/random';

const pentagon = { n: 5, m: 2, sparsity: 0.97, importanceDecay: 1, batch: 512, steps: 4000, lr: 3e-3, seed: 1 };

describe('toy model page core', () => {
  it('bestMatches picks the highest-cosine row, whatever the rows’ norms', () => {
    const truth = [Float64Array.of(1, 0), Float64Array.of(0, 2), Float64Array.of(-1, -1)];
    const dict = Float32Array.of(0, 5, 0.9, 0.1, -3, -2.9, 1, 0); // rows: +y, ≈ +x, ≈ −(x+y), +x
    const m = bestMatches(truth, dict, 2);
    expect(m.map((x) => x.latent)).toEqual([3, 0, 2]);
    expect(m[0].cosine).toBeCloseTo(1, 12);
    expect(m[1].cosine).toBeCloseTo(1, 12);
    expect(m[2].cosine).toBeCloseTo((3 + 2.9) / (Math.SQRT2 * Math.hypot(3, 2.9)), 6);
  });

  it('toyHiddenRows gives h = W x for the sparse inputs a reseeded RNG draws, skipping all-zero x', () => {
    const W = Float32Array.of(1, 0, 2, 0, 1, -1); // [2, 3]
    const rows = 500;
    const h = toyHiddenRows(W, 3, 2, 0.9, rows, mulberry32(3));
    // Replay the draws: feature i is present with probability 1 − sparsity, then uniform in [0, 1).
    const rand = mulberry32(3);
    let skipped = 0;
    for (let r = 0; r < rows; ) {
      const x = Array.from({ length: 3 }, () => (rand() >= 0.9 ? rand() : 0));
      if (x.every((v) => v === 0)) {
        skipped++;
        continue;
      }
      expect(h[2 * r]).toBeCloseTo(x[0] + 2 * x[2], 6);
      expect(h[2 * r + 1]).toBeCloseTo(x[1] - x[2], 6);
      r++;
    }
    expect(skipped).toBeGreaterThan(rows); // at 90% sparsity most inputs are empty: the skip was exercised
  });

  it('toyCpuTrainer steps exactly as trainToyCpu', () => {
    const cfg = { ...pentagon, steps: 50 };
    const trainer = toyCpuTrainer(cfg);
    const losses = Array.from({ length: 50 }, (_, t) => trainer.step(t + 1));
    const whole = trainToyCpu(cfg);
    expect(Float64Array.from(losses)).toEqual(whole.lossHistory);
    expect(trainer.params.slice(0, 10)).toEqual(whole.W);
  });

  it('representedGaps leaves out features the model does not represent', () => {
    // Features 0 and 2 at 0° and 90°, feature 1 nearly 0 at 45°.
    const W = Float32Array.of(1, 0.001, 0, 0, 0.001, 1); // [2, 3]
    expect(representedGaps(W, 3, 2)).toEqual({ order: [0, 2], gaps: [90, 270] });
    expect(representedGaps(W, 3, 2, 0).order).toEqual([0, 1, 2]);
  });

  it.each([
    ['the page defaults (1500 steps of 128 rows)', {}],
    ['the page test’s budget (200 steps of 16 rows, lr 1e-2)', { steps: 200, batch: 16, lr: 1e-2 }],
  ])('an SAE on the pentagon model’s hidden layer recovers all five directions: %s', async (_, o) => {
    const toy = trainToyCpu(pentagon);
    const r = await trainToySae({ W: toy.W, n: 5, m: 2, sparsity: 0.97, ...o });
    console.log(`SAE (${r.steps} steps, ${r.dSae} latents): fvu ${r.finalFvu?.toFixed(4)}, cosines ${r.matches.map((x) => x.cosine.toFixed(4))}`);
    expect(r.device).toBe('cpu');
    expect(r.decoder.length).toBe(r.dSae * 2);
    expect(new Set(r.matches.map((x) => x.latent)).size).toBe(5);
    for (const x of r.matches) expect(x.cosine).toBeGreaterThanOrEqual(0.95);
  });
});
