import { describe, expect, it } from 'vitest';
import { densityHistogram, featureDensity } from '../../src/sae/train/density';
import { trainConfig } from '../../src/sae/train/types';

describe('feature density', () => {
  it('counts how often each latent is in the top k with a positive activation', () => {
    const cfg = trainConfig({ dIn: 2, dSae: 3, k: 1 });
    // W_enc [2, 3]: latent 0 reads x0, latent 1 reads x1, latent 2 reads −x0 (never wins on these rows).
    const p = { W_enc: Float32Array.of(1, 0, -1, 0, 1, 0), b_enc: new Float32Array(3), W_dec: new Float32Array(6), b_dec: new Float32Array(2) };
    const x = Float32Array.of(2, 1, 3, 0, 0, 5, 1, 0); // rows: latent 0, 0, 1, 0
    expect(Array.from(featureDensity(p, x, 4, cfg))).toEqual([0.75, 0.25, 0]);
  });

  it('bins log10 densities from one firing per sample up to 1, with never-firing latents apart', () => {
    const h = densityHistogram(Float64Array.of(0, 1, 0.01, 0.0105, 0.001), 1000, 0.5);
    expect(h.edges[0]).toBe(-3);
    expect(h.edges.at(-1)).toBe(0.5);
    expect(h.zero).toBe(1);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(h.counts[h.edges.indexOf(-2)]).toBe(2); // 0.01 and 0.0105 in [−2, −1.5)
    expect(h.counts.at(-1)).toBe(1); // density 1 in the top bin
  });
});
