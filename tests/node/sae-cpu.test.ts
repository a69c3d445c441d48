// The CPU twins of the WGSL kernels (src/sae/cpu/*) on tiny hand-checked cases and against naive definitions.
import { describe, expect, it } from 'vitest';
import { WebGpuUnavailableError, requestDevice } from '../../src/gpu/device';
import { matmulBias } from '../../src/sae/cpu/matmul_bias';
import { sparseDecode } from '../../src/sae/cpu/sparse_decode';
import { topkRows } from '../../src/sae/cpu/topk_rows';
import { rng, uniform } from '../browser/pages/kernels-data';
import { assertClose } from '../reference/compare';

describe('matmulBias (CPU twin)', () => {
  const a = Float32Array.of(1, 2, 3, 4, 5, 6); // [2, 3]
  const b = Float32Array.of(7, 8, 9, 10, 11, 12); // [3, 2]
  const bias = Float32Array.of(0.5, -1);

  it('2×3 · 3×2 + bias, by hand', () => {
    // [1 2 3]·B = [58 64], [4 5 6]·B = [139 154]
    expect(Array.from(matmulBias({ a, b, bias, M: 2, K: 3, N: 2 }))).toEqual([58.5, 63, 139.5, 153]);
  });

  it('subtracts a row vector first (x − b_dec)', () => {
    // A − 1 = [0 1 2; 3 4 5]: [31 34], [112 124]
    const sub = Float32Array.of(1, 1, 1);
    expect(Array.from(matmulBias({ a, b, bias, sub, M: 2, K: 3, N: 2 }))).toEqual([31.5, 33, 112.5, 123]);
  });

  it('matches a float64 triple loop on awkward sizes', () => {
    for (const [M, K, N] of [
      [1, 1, 1],
      [7, 45, 131],
      [13, 64, 5],
    ]) {
      const r = rng(M * 1000 + K + N);
      const A = uniform(r, M * K);
      const B = uniform(r, K * N);
      const bs = uniform(r, N);
      const sub = uniform(r, K);
      const ref = new Float64Array(M * N);
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += (A[i * K + k] - sub[k]) * B[k * N + j];
          ref[i * N + j] = s + bs[j];
        }
      assertClose(`matmul_bias ${M}x${K}x${N}`, matmulBias({ a: A, b: B, bias: bs, sub, M, K, N }), ref, 1e-5);
    }
  });

  it('rejects inputs of the wrong length', () => {
    expect(() => matmulBias({ a, b, bias, M: 2, K: 2, N: 2 })).toThrow(/a: length 6, expected 4/);
  });
});

describe('topkRows (CPU twin)', () => {
  const run = (x: number[], k: number, relu = false) => {
    const r = topkRows(Float32Array.from(x), 1, x.length, k, { relu });
    return { idx: Array.from(r.indices), val: Array.from(r.values) };
  };

  it('sorts descending, ties broken by lower index', () => {
    expect(run([3, 1, 3, 2, 3], 2)).toEqual({ idx: [0, 2], val: [3, 3] });
    expect(run([3, 1, 3, 2, 3], 4)).toEqual({ idx: [0, 2, 4, 3], val: [3, 3, 3, 2] });
    expect(run([1, 5, 2], 3)).toEqual({ idx: [1, 2, 0], val: [5, 2, 1] });
    expect(run([7, 7, 7, 7], 3)).toEqual({ idx: [0, 1, 2], val: [7, 7, 7] });
  });

  it('treats −0 and +0 as equal', () => {
    expect(run([-0, 0, -1], 1).idx).toEqual([0]);
    expect(run([-1, 0, -0], 2).idx).toEqual([1, 2]);
  });

  it('relu: top-k of the pre-activations, then max(v, 0); indices kept', () => {
    expect(run([-1, -3, -2, 0.5], 3, true)).toEqual({ idx: [3, 0, 2], val: [0.5, 0, 0] });
  });

  it('handles several rows and k = N', () => {
    const r = topkRows(Float32Array.of(1, 2, 3, 6, 5, 4), 2, 3, 3);
    expect(Array.from(r.indices)).toEqual([2, 1, 0, 0, 1, 2]);
    expect(Array.from(r.values)).toEqual([3, 2, 1, 6, 5, 4]);
  });

  it('matches sorting the whole row (value desc, index asc), with many ties', () => {
    for (const [M, N, k] of [
      [5, 131, 1],
      [4, 1000, 32],
      [3, 300, 256],
    ]) {
      const r = rng(N + k);
      const x = uniform(r, M * N).map((v) => Math.round(v * 8) / 8);
      const got = topkRows(x, M, N, k);
      for (let m = 0; m < M; m++) {
        const order = Array.from({ length: N }, (_, i) => i).sort((p, q) => x[m * N + q] - x[m * N + p] || p - q);
        expect(Array.from(got.indices.subarray(m * k, (m + 1) * k))).toEqual(order.slice(0, k));
        expect(Array.from(got.values.subarray(m * k, (m + 1) * k))).toEqual(order.slice(0, k).map((i) => x[m * N + i]));
      }
    }
  });

  it('rejects k outside 1..N', () => {
    expect(() => topkRows(new Float32Array(4), 1, 4, 5)).toThrow(RangeError);
    expect(() => topkRows(new Float32Array(4), 1, 4, 0)).toThrow(RangeError);
  });
});

describe('sparseDecode (CPU twin)', () => {
  const wDec = Float32Array.of(1, 2, 3, 4, 5, 6); // [d_sae = 3, d = 2]
  const bDec = Float32Array.of(0.5, 0.5);

  it('b_dec + Σ vals · W_dec rows, by hand', () => {
    // row 0: 2·W[2] + 0·W[0] = [10 12]; row 1: 1·W[1] − 1·W[1] = 0
    const out = sparseDecode({
      vals: Float32Array.of(2, 0, 1, -1),
      idx: Uint32Array.of(2, 0, 1, 1),
      wDec,
      bDec,
      M: 2,
      k: 2,
      dSae: 3,
      d: 2,
    });
    expect(Array.from(out)).toEqual([10.5, 12.5, 0.5, 0.5]);
  });

  it('matches dense latents · W_dec + b_dec', () => {
    const [M, k, dSae, d] = [6, 7, 50, 33];
    const r = rng(7);
    const W = uniform(r, dSae * d);
    const bd = uniform(r, d);
    const vals = uniform(r, M * k).map((v) => (v < -0.5 ? 0 : v));
    const idx = Uint32Array.from({ length: M * k }, () => Math.floor(r() * dSae));
    const ref = new Float64Array(M * d);
    for (let m = 0; m < M; m++) {
      const dense = new Float64Array(dSae);
      for (let j = 0; j < k; j++) dense[idx[m * k + j]] += vals[m * k + j]; // repeated latents add up
      for (let c = 0; c < d; c++) {
        let s = bd[c];
        for (let l = 0; l < dSae; l++) s += dense[l] * W[l * d + c];
        ref[m * d + c] = s;
      }
    }
    assertClose('sparse_decode', sparseDecode({ vals, idx, wDec: W, bDec: bd, M, k, dSae, d }), ref, 1e-5);
  });

  it('rejects a latent index ≥ d_sae', () => {
    expect(() => sparseDecode({ vals: Float32Array.of(1), idx: Uint32Array.of(3), wDec, bDec, M: 1, k: 1, dSae: 3, d: 2 })).toThrow(/≥ d_sae/);
  });
});

describe('requestDevice', () => {
  it('throws WebGpuUnavailableError saying what to do when there is no navigator.gpu', async () => {
    const err = await requestDevice().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebGpuUnavailableError);
    expect((err as Error).message).toMatch(/navigator\.gpu is missing.*--enable-unsafe-webgpu/);
  });
});
