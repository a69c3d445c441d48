// The feature tables (src/analysis/feature-tables.ts) against plain recomputations: nearest features by decoder and
// encoder cosine against every pair's cosine in float64 from the weights as written; correlated neurons and features
// against Pearson r over every row's encoded activations, computed directly (two-pass mean, then covariance);
// the wasm block product against the JS one; and the UMAP map (src/analysis/feature-map.ts) on a planted case.
import { describe, expect, it } from 'vitest';
import { cpuBlockDots, decoderDirections, nearestByCosine, topRow } from '../../src/analysis/cosines';
import { correlationCandidates } from '../../src/analysis/correlations';
import { featureMap } from '../../src/analysis/feature-map';
import { featureStatsCpu } from '../../src/analysis/feature-pass';
import { featureTables, nearestOf } from '../../src/analysis/feature-tables';
import { createOnnxDots } from '../../src/analysis/onnx-matmul';
import { type SaeConfig, encode, initSae } from '../../src/sae/sae';
import { gaussian, mulberry32 } from '../../src/sae/train/rng';

const dIn = 13;
const dSae = 41;
const N = 233;

function setup(architecture: 'topk' | 'standard') {
  const cfg: SaeConfig = { architecture, d_in: dIn, d_sae: dSae, ...(architecture === 'topk' ? { k: 5 } : {}), dtype: 'float32', apply_b_dec_to_input: true, normalize_activations: 'none', hook_name: 'blocks.0.hook_resid_post', model_name: 'toy', context_size: 16, prepend_bos: true };
  const weights = initSae(cfg, 11);
  const normal = gaussian(mulberry32(4));
  weights.b_enc = Float32Array.from({ length: dSae }, () => 0.3 * normal() - (architecture === 'standard' ? 0.5 : 0));
  weights.W_enc = Float32Array.from(weights.W_enc, (v) => v + 0.05 * normal()); // not W_decᵀ: the two tables differ
  weights.b_enc[3] = -100; // dead: its r is undefined and it appears in no table
  // Rows with a large mean on dimension 2 (a "massive" unit) and correlated dimensions 0 and 1.
  const x = new Float32Array(N * dIn);
  for (let r = 0; r < N; r++) {
    for (let i = 0; i < dIn; i++) x[r * dIn + i] = normal();
    x[r * dIn + 1] += 0.8 * x[r * dIn];
    x[r * dIn + 2] = 8 + x[r * dIn + 2];
  }
  return { cfg, weights, x };
}

/** Exact cosines in float64 of rows u(f) [dim], every pair; the top n of each other than itself. */
function bruteNearest(row: (f: number) => number[], d: number, n: number) {
  const norm = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return Array.from({ length: d }, (_, f) => {
    const a = row(f);
    return Array.from({ length: d }, (_, g) => {
      const b = row(g);
      return { index: g, value: a.reduce((s, x, c) => s + x * b[c], 0) / (norm(a) * norm(b)) };
    })
      .filter((e) => e.index !== f)
      .sort((p, q) => q.value - p.value || p.index - q.index)
      .slice(0, n);
  });
}

function directPearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

function expectTop(got: { index: number; value: number }[], want: { index: number; value: number }[], tol: number) {
  expect(got.length).toBe(want.length);
  got.forEach((g, j) => {
    expect(Math.abs(g.value - want[j].value)).toBeLessThan(tol);
    // Equal values within tolerance may swap places; otherwise the same feature.
    if (g.index !== want[j].index) expect(Math.abs(want.find((w) => w.index === g.index)!.value - g.value)).toBeLessThan(tol);
  });
}

describe('nearest features by cosine', () => {
  it('decoder and encoder tables equal brute-force cosines over the SAE file, at awkward block sizes', async () => {
    const { weights } = setup('topk');
    const dec = bruteNearest((f) => Array.from(weights.W_dec.subarray(f * dIn, (f + 1) * dIn)), dSae, 6);
    const enc = bruteNearest((f) => Array.from({ length: dIn }, (_, i) => weights.W_enc[i * dSae + f]), dSae, 6);
    for (const block of [1, 7, 64]) {
      const u = decoderDirections(weights.W_dec, dSae, dIn);
      const t = await nearestByCosine(dSae, 6, cpuBlockDots(u, dSae, dIn), block);
      for (let f = 0; f < dSae; f++) expectTop(topRow(t, f), dec[f], 1e-5);
    }
    const { cfg, x } = setup('topk');
    const batches = async function* () {
      for (let r = 0; r < N; r += 50) yield { rows: x.slice(r * dIn, Math.min(N, r + 50) * dIn), firstRow: r };
    };
    const stats = await featureStatsCpu({ cfg, weights }, batches, { topN: 5 });
    const tables = await featureTables({ cfg, weights }, stats, batches, (rows, n) => encode(weights, cfg, rows, n).acts, undefined, { n: 6 });
    for (let f = 0; f < dSae; f++) {
      expectTop(topRow(tables.nearestDecoder, f), dec[f], 1e-5);
      expectTop(topRow(tables.nearestEncoder, f), enc[f], 1e-5);
    }
  });

  it('the wasm block product gives the JS one’s tables', async () => {
    const { weights } = setup('standard');
    const u = decoderDirections(weights.W_dec, dSae, dIn);
    const js = await nearestByCosine(dSae, 8, cpuBlockDots(u, dSae, dIn), 9);
    const wasm = await nearestOf(u, dSae, dIn, 8, createOnnxDots);
    for (let f = 0; f < dSae; f++) expectTop(topRow(wasm, f), topRow(js, f), 1e-5);
  });
});

describe('correlation pass', () => {
  for (const arch of ['topk', 'standard'] as const) {
    it(`${arch}: correlated neurons and features equal Pearson r over every row, computed directly`, async () => {
      const { cfg, weights, x } = setup(arch);
      const batches = (B: number) => async function* () {
        for (let r = 0; r < N; r += B) yield { rows: x.slice(r * dIn, Math.min(N, r + B) * dIn), firstRow: r };
      };
      const acts = (rows: Float32Array, n: number) => encode(weights, cfg, rows, n).acts;
      const stats = await featureStatsCpu({ cfg, weights }, batches(64), { topN: 6 });
      const n = 5;
      const t = await featureTables({ cfg, weights }, stats, batches(37), acts, undefined, { n, shared: 4 });
      expect(t.correlations.rows).toBe(N);
      const all = encode(weights, cfg, x, N).acts; // [N, d_sae]
      const col = (f: number) => Array.from({ length: N }, (_, r) => all[r * dSae + f]);
      const unit = (i: number) => Array.from({ length: N }, (_, r) => x[r * dIn + i]);
      const cand = correlationCandidates(dSae, [t.nearestDecoder, t.nearestEncoder], stats.top.rows, stats.topN, 4);
      let live = 0;
      for (let f = 0; f < dSae; f++) {
        const a = col(f);
        if (a.every((v) => v === a[0])) {
          expect(topRow(t.correlations.neurons, f)).toEqual([]); // a dead feature has no r
          continue;
        }
        live++;
        const wantN = Array.from({ length: dIn }, (_, i) => ({ index: i, value: directPearson(a, unit(i)) })).sort((p, q) => q.value - p.value || p.index - q.index).slice(0, n);
        expectTop(topRow(t.correlations.neurons, f), wantN, 2e-4);
        const cs = Array.from(cand.cand.subarray(f * cand.C, (f + 1) * cand.C)).filter((g) => g >= 0);
        const wantF = cs
          .map((g) => ({ index: g, value: directPearson(a, col(g)) }))
          .filter((e) => Number.isFinite(e.value))
          .sort((p, q) => q.value - p.value || p.index - q.index)
          .slice(0, n);
        expectTop(topRow(t.correlations.features, f), wantF, 1e-5);
      }
      expect(live).toBeGreaterThan(dSae / 2);
    });
  }

  it('candidates: decoder and encoder neighbours, and features sharing top examples', () => {
    const topN = 3;
    const E = 0xffffffff;
    // features 0 and 2 share rows 10 and 11; feature 1 shares row 12 with 0
    const topRows = Uint32Array.from([10, 11, 12, 12, E, E, 11, 10, 40]);
    const dec = { n: 1, index: Int32Array.from([1, 0, 1]), value: Float32Array.from([0.9, 0.9, 0.5]) };
    const { C, cand } = correlationCandidates(3, [dec], topRows, topN, 2);
    expect(C).toBe(3);
    expect(Array.from(cand.subarray(0, 3))).toEqual([1, 2, -1]);
    expect(Array.from(cand.subarray(3, 6))).toEqual([0, -1, -1]);
    expect(Array.from(cand.subarray(6, 9))).toEqual([1, 0, -1]);
  });
});

describe('feature map (UMAP)', () => {
  it('places planted pairs of near-identical decoder rows nearer each other than random pairs; seeded: same map twice', async () => {
    const dim = 24;
    const pairs = 60;
    const d = 2 * pairs;
    const normal = gaussian(mulberry32(9));
    const w = new Float32Array(d * dim);
    for (let p = 0; p < pairs; p++) {
      for (let c = 0; c < dim; c++) {
        const v = normal();
        w[2 * p * dim + c] = v;
        w[(2 * p + 1) * dim + c] = v + 0.02 * normal(); // its twin
      }
    }
    const u = decoderDirections(w, d, dim);
    const table = await nearestByCosine(d, 16, cpuBlockDots(u, d, dim));
    const m = await featureMap(table, d, { seed: 3 });
    const dist = (a: number, b: number) => Math.hypot(m.x[a] - m.x[b], m.y[a] - m.y[b]);
    const twin = Array.from({ length: pairs }, (_, p) => dist(2 * p, 2 * p + 1));
    const rand = mulberry32(2);
    const other: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const a = Math.floor(rand() * d);
      const b = Math.floor(rand() * d);
      if (a >> 1 !== b >> 1) other.push(dist(a, b));
    }
    const median = (v: number[]) => v.slice().sort((p, q) => p - q)[v.length >> 1];
    expect(median(twin)).toBeLessThan(0.2 * median(other));
    // Almost every twin is nearer its twin than the typical random pair.
    expect(twin.filter((t) => t < median(other)).length).toBeGreaterThanOrEqual(pairs * 0.95);
    const again = await featureMap(table, d, { seed: 3 });
    expect(Array.from(again.x)).toEqual(Array.from(m.x));
    expect(Array.from(again.y)).toEqual(Array.from(m.y));
  });
});
