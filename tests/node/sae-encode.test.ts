// The CPU SAE (src/sae/sae.ts) on tiny hand-computed cases, one per architecture, plus init and top-k ties.
import { describe, expect, it } from 'vitest';
import {
  JUMPRELU_INIT_THRESHOLD,
  type SaeConfig,
  SaeConfigError,
  type SaeWeights,
  SaeWeightsError,
  decode,
  encode,
  initSae,
  topkIndices,
} from '../../src/sae/sae';

// d_in 3, d_sae 5. Every value is a small dyadic fraction, so float32 arithmetic is exact and the expectations
// below are equalities.
const W_enc = Float32Array.of(
  1, 0, 0, 1, -1, //    x[0] →
  0, 1, 0, 1, 2, //     x[1] →
  0, 0, 1, -1, 0.5, //  x[2] →
); // [d_in 3, d_sae 5]
const b_enc = Float32Array.of(0, 0.5, -1, 0, 0.25);
const W_dec = Float32Array.of(
  1, 0, 0, //
  0, 1, 0, //
  0, 0, 1, //
  1, 1, 0, //
  0, 2, -1, //
); // [d_sae 5, d_in 3]
const b_dec = Float32Array.of(1, 0, -1);
const weights: SaeWeights = { W_enc, b_enc, W_dec, b_dec };

const x = Float32Array.of(2, 1, 0, 1, 3, -1); // [n 2, d_in 3]
// x − b_dec = [1, 1, 1] and [0, 3, 0];  · W_enc = [1, 1, 1, 1, 1.5] and [0, 3, 0, 3, 6];  + b_enc:
const PRE = [1, 1.5, 0, 1, 1.75, /**/ 0, 3.5, -1, 3, 6.25];

const cfg = (over: Partial<SaeConfig>): SaeConfig => ({
  architecture: 'standard',
  d_in: 3,
  d_sae: 5,
  dtype: 'float32',
  apply_b_dec_to_input: true,
  normalize_activations: 'none',
  hook_name: 'blocks.0.hook_resid_pre',
  model_name: 'test',
  context_size: 8,
  prepend_bos: true,
  ...over,
});

describe('encode', () => {
  it('standard: ReLU of (x − b_dec)·W_enc + b_enc', () => {
    const { pre, acts } = encode(weights, cfg({}), x, 2);
    expect(Array.from(pre)).toEqual(PRE);
    expect(Array.from(acts)).toEqual([1, 1.5, 0, 1, 1.75, /**/ 0, 3.5, 0, 3, 6.25]);
  });

  it('apply_b_dec_to_input false: x goes in as it is', () => {
    // x · W_enc = [2, 1, 0, 3, 0] and [1, 3, -1, 5, 4.5]; + b_enc:
    const { pre } = encode(weights, cfg({ apply_b_dec_to_input: false }), x, 2);
    expect(Array.from(pre)).toEqual([2, 1.5, -1, 3, 0.25, /**/ 1, 3.5, -2, 5, 4.75]);
  });

  it('topk: the k largest per row, then ReLU', () => {
    const { acts } = encode(weights, cfg({ architecture: 'topk', k: 2 }), x, 2);
    expect(Array.from(acts)).toEqual([0, 1.5, 0, 0, 1.75, /**/ 0, 3.5, 0, 0, 6.25]);
  });

  it('topk: a tie for the last place goes to the lower index', () => {
    // Row 0 third place: pre[0] = pre[3] = 1; latent 0 wins.
    const { acts } = encode(weights, cfg({ architecture: 'topk', k: 3 }), x, 2);
    expect(Array.from(acts.subarray(0, 5))).toEqual([1, 1.5, 0, 0, 1.75]);
  });

  it('topk: a negative value among the top k is kept as a zero (ReLU after selection)', () => {
    // Row 1 with k = 5 takes every latent, including pre = −1 → 0.
    const { acts } = encode(weights, cfg({ architecture: 'topk', k: 5 }), x, 2);
    expect(Array.from(acts.subarray(5))).toEqual([0, 3.5, 0, 3, 6.25]);
  });

  it('batchtopk: the n·k largest over the whole batch, so rows may get different counts', () => {
    // n·k = 4 largest of all ten: 6.25, 3.5, 3 (row 1) and 1.75 (row 0).
    const { acts } = encode(weights, cfg({ architecture: 'batchtopk', k: 2 }), x, 2);
    expect(Array.from(acts)).toEqual([0, 0, 0, 0, 1.75, /**/ 0, 3.5, 0, 3, 6.25]);
  });

  it('batchtopk: a fractional k keeps ⌊n·k⌋, as SAELens does', () => {
    const { acts } = encode(weights, cfg({ architecture: 'batchtopk', k: 1.6 }), x, 2);
    expect(Array.from(acts)).toEqual([0, 0, 0, 0, 0, /**/ 0, 3.5, 0, 3, 6.25]); // ⌊3.2⌋ = 3
  });

  it('jumprelu: a latent fires only strictly above its threshold', () => {
    const threshold = Float32Array.of(0.5, 2, -2, 1, 1);
    const { acts } = encode({ ...weights, threshold }, cfg({ architecture: 'jumprelu' }), x, 2);
    // Row 0: 1 > 0.5 yes; 1.5 > 2 no; 0 > −2 yes but ReLU(0) = 0; 1 > 1 no (strict); 1.75 > 1 yes.
    // Row 1: pre −1 > θ −2, and SAELens' JumpReLUSAE applies ReLU before the mask, so it stays 0 (not −1).
    expect(Array.from(acts)).toEqual([1, 0, 0, 0, 1.75, /**/ 0, 3.5, 0, 3, 6.25]);
  });

  it('names the missing piece: jumprelu without threshold, topk without k, x too short', () => {
    expect(() => encode(weights, cfg({ architecture: 'jumprelu' }), x, 2)).toThrow(SaeWeightsError);
    expect(() => encode(weights, cfg({ architecture: 'jumprelu' }), x, 2)).toThrow(/lack threshold \[d_sae\] = \[5\]/);
    expect(() => encode(weights, cfg({ architecture: 'topk' }), x, 2)).toThrow(SaeConfigError);
    expect(() => encode(weights, cfg({ architecture: 'topk', k: 1.5 }), x, 2)).toThrow(/integer k/);
    expect(() => encode(weights, cfg({}), x, 3)).toThrow(/fewer than n · d_in = 3 · 3/);
  });
});

describe('encode on random data', () => {
  it('matches a float64 reference, and four-row blocks round exactly like single rows', () => {
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
    const c = cfg({ d_in: 19, d_sae: 37 });
    const w: SaeWeights = {
      W_enc: Float32Array.from({ length: 19 * 37 }, rand),
      b_enc: Float32Array.from({ length: 37 }, rand),
      W_dec: Float32Array.from({ length: 37 * 19 }, rand),
      b_dec: Float32Array.from({ length: 19 }, rand),
    };
    const n = 7; // one block of four and three single rows
    const xs = Float32Array.from({ length: n * 19 }, rand);
    const { pre } = encode(w, c, xs, n);
    for (let r = 0; r < n; r++) {
      const one = encode(w, c, xs.subarray(r * 19, (r + 1) * 19), 1).pre;
      expect(Array.from(pre.subarray(r * 37, (r + 1) * 37))).toEqual(Array.from(one));
      for (let j = 0; j < 37; j++) {
        let s = w.b_enc[j];
        for (let k = 0; k < 19; k++) s += (xs[r * 19 + k] - w.b_dec[k]) * w.W_enc[k * 37 + j];
        expect(Math.abs(pre[r * 37 + j] - s)).toBeLessThan(1e-5 * (1 + Math.abs(s)));
      }
    }
  });
});

describe('decode', () => {
  it('acts · W_dec + b_dec', () => {
    // [1, 1.5, 0, 1, 1.75]: [1,0,0] + 1.5·[0,1,0] + [1,1,0] + 1.75·[0,2,−1] = [2, 6, −1.75]; + b_dec = [3, 6, −2.75]
    const out = decode(weights, Float32Array.of(1, 1.5, 0, 1, 1.75, 0, 0, 0, 0, 0), 2);
    expect(Array.from(out)).toEqual([3, 6, -2.75, /**/ 1, 0, -1]); // all-zero acts give b_dec
  });
});

describe('topkIndices', () => {
  it('returns the k largest, best first, ties to the lower index', () => {
    expect(Array.from(topkIndices([3, 1, 3, 2, 3], 2))).toEqual([0, 2]);
    expect(Array.from(topkIndices([3, 1, 3, 2, 3], 4))).toEqual([0, 2, 4, 3]);
    expect(Array.from(topkIndices([-1, -5, -0.5], 1))).toEqual([2]);
    expect(Array.from(topkIndices([1, 2], 0))).toEqual([]);
    expect(() => topkIndices([1, 2], 3)).toThrow(RangeError);
  });

  it('agrees with a full sort on a row with many ties', () => {
    const row = Float32Array.from({ length: 1000 }, (_, i) => (i * 7919) % 13);
    const byRank = Array.from(row.keys()).sort((a, b) => row[b] - row[a] || a - b);
    expect(Array.from(topkIndices(row, 100))).toEqual(byRank.slice(0, 100));
  });
});

describe('initSae', () => {
  const big = cfg({ d_in: 17, d_sae: 40 });

  it('unit-norm decoder rows, W_enc = W_decᵀ, zero biases', () => {
    const w = initSae(big, 1);
    for (let j = 0; j < 40; j++) {
      let n2 = 0;
      for (let c = 0; c < 17; c++) n2 += w.W_dec[j * 17 + c] ** 2;
      expect(Math.sqrt(n2)).toBeCloseTo(1, 6);
      for (let c = 0; c < 17; c++) expect(w.W_enc[c * 40 + j]).toBe(w.W_dec[j * 17 + c]);
    }
    expect(w.b_enc.every((v) => v === 0) && w.b_dec.every((v) => v === 0)).toBe(true);
    expect(w.b_enc.length).toBe(40);
    expect(w.b_dec.length).toBe(17);
    expect(w.threshold).toBeUndefined();
  });

  it('is reproducible from the seed, and directions are spread out', () => {
    expect(Array.from(initSae(big, 7).W_dec)).toEqual(Array.from(initSae(big, 7).W_dec));
    expect(Array.from(initSae(big, 7).W_dec)).not.toEqual(Array.from(initSae(big, 8).W_dec));
    // Isotropic directions: the mean of 40 unit vectors in 17-d is short (≈ 1/√40 ≈ 0.16), not near 1.
    const w = initSae(big, 3);
    let n2 = 0;
    for (let c = 0; c < 17; c++) {
      let s = 0;
      for (let j = 0; j < 40; j++) s += w.W_dec[j * 17 + c];
      n2 += (s / 40) ** 2;
    }
    expect(Math.sqrt(n2)).toBeLessThan(0.4);
  });

  it('JumpReLU thresholds start at SAELens’ init value', () => {
    const w = initSae(cfg({ architecture: 'jumprelu' }), 1);
    expect(Array.from(w.threshold!)).toEqual(Array(5).fill(Math.fround(JUMPRELU_INIT_THRESHOLD)));
  });
});

describe('GPT-2 small sizes', () => {
  it('encodes and decodes 64 rows at d_in 768, d_sae 24576 (topk 32) in a few seconds', () => {
    const c = cfg({ architecture: 'topk', k: 32, d_in: 768, d_sae: 24576 });
    const w = initSae(c, 0);
    const xs = Float32Array.from({ length: 64 * 768 }, (_, i) => Math.sin(i * 0.37));
    const t0 = performance.now();
    const { acts } = encode(w, c, xs, 64);
    const out = decode(w, acts, 64);
    const ms = performance.now() - t0;
    console.log(`encode+decode 64×768×24576: ${ms.toFixed(0)} ms`);
    expect(out.length).toBe(64 * 768);
    let nonzero = 0;
    for (let r = 0; r < 64; r++) for (let j = 0; j < 24576; j++) if (acts[r * 24576 + j] !== 0) nonzero++;
    expect(nonzero).toBeLessThanOrEqual(64 * 32);
    expect(ms).toBeLessThan(15_000); // generous for slow CI; ~1–3 s on a laptop
  });
});
