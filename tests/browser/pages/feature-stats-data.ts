// Feature-statistics test cases and their seeded data, shared by the page (GPU) and the test (CPU twins).
import type { ActsOf, EncoderSae } from '../../../src/analysis/feature-pass';
import { featureActs, featureScatter } from '../../../src/analysis/cpu/feature_acts';
import { BATCH_TOPK_CANDIDATES } from '../../../src/analysis/feature-stats-gpu';
import { batchTopk } from '../../../src/sae/cpu/batch_topk';
import { type SaeConfig, encoderInput } from '../../../src/sae/sae';
import { matmulBias } from '../../../src/sae/cpu/matmul_bias';
import { topkRows } from '../../../src/sae/cpu/topk_rows';
import { rng, uniform } from './kernels-data';

export interface StatsCase {
  name: string;
  seed: number;
  architecture: 'topk' | 'standard' | 'jumprelu' | 'batchtopk';
  dIn: number;
  dSae: number;
  k?: number;
  rows: number;
  batch: number;
  opts: { topN: number; nBins: number; nBands: number; bandSize: number };
  /** Inputs and weights on coarse dyadic grids: every sum is exact in f32, so activations tie often (tie rules). */
  quantized?: boolean;
  /** Added to every b_enc (most pre-activations positive). */
  encBias?: number;
  /** normalize_activations "layer_norm" (OpenAI v5), with rows of their own offsets and scales. */
  layerNorm?: boolean;
}

export const STATS_CASES: StatsCase[] = [
  { name: 'topk d_in 19 d_sae 77 k 5, 300 rows in 64s', seed: 1, architecture: 'topk', dIn: 19, dSae: 77, k: 5, rows: 300, batch: 64, opts: { topN: 5, nBins: 9, nBands: 4, bandSize: 3 } },
  { name: 'standard d_in 19 d_sae 77, 300 rows in 64s', seed: 2, architecture: 'standard', dIn: 19, dSae: 77, rows: 300, batch: 64, opts: { topN: 5, nBins: 7, nBands: 3, bandSize: 4 } },
  { name: 'jumprelu d_in 13 d_sae 130, 211 rows in 50s', seed: 3, architecture: 'jumprelu', dIn: 13, dSae: 130, rows: 211, batch: 50, opts: { topN: 24, nBins: 32, nBands: 8, bandSize: 8 } },
  // d_sae > BATCH_TOPK_CANDIDATES: the batch selection draws from each row's top 256 only.
  { name: 'batchtopk d_in 19 d_sae 300 k 6.5, 300 rows in 64s', seed: 4, architecture: 'batchtopk', dIn: 19, dSae: 300, k: 6.5, rows: 300, batch: 64, opts: { topN: 5, nBins: 9, nBands: 4, bandSize: 3 } },
  { name: 'batchtopk quantized (ties) d_in 19 d_sae 77 k 4, 300 rows in 64s', seed: 5, architecture: 'batchtopk', dIn: 19, dSae: 77, k: 4, rows: 300, batch: 64, quantized: true, opts: { topN: 5, nBins: 7, nBands: 3, bandSize: 4 } },
  { name: 'topk quantized (ties) d_in 19 d_sae 77 k 5, 300 rows in 64s', seed: 6, architecture: 'topk', dIn: 19, dSae: 77, k: 5, rows: 300, batch: 64, quantized: true, opts: { topN: 5, nBins: 7, nBands: 3, bandSize: 4 } },
  { name: 'topk layer_norm d_in 19 d_sae 77 k 5, 300 rows in 64s', seed: 8, architecture: 'topk', dIn: 19, dSae: 77, k: 5, rows: 300, batch: 64, layerNorm: true, opts: { topN: 5, nBins: 9, nBands: 4, bandSize: 3 } },
  { name: 'jumprelu layer_norm d_in 13 d_sae 130, 211 rows in 50s', seed: 9, architecture: 'jumprelu', dIn: 13, dSae: 130, rows: 211, batch: 50, layerNorm: true, opts: { topN: 24, nBins: 32, nBands: 8, bandSize: 8 } },
];

/**
 * A BatchTopK case whose k (270 per row on average) makes rows win all 256 GPU candidates: the GPU pass must
 * refuse it (BatchTopkCapError) rather than return a cut-short selection.
 */
export const CAPPED_CASE: StatsCase = { name: 'batchtopk d_in 7 d_sae 300 k 270 (capped)', seed: 7, architecture: 'batchtopk', dIn: 7, dSae: 300, k: 270, rows: 20, batch: 10, encBias: 5, opts: { topN: 3, nBins: 4, nBands: 2, bandSize: 2 } };

/** n values on the grid step·{−m … m}. */
function grid(r: () => number, n: number, step: number, m: number): Float32Array {
  return Float32Array.from({ length: n }, () => step * (Math.floor(r() * (2 * m + 1)) - m));
}

export function statsSetup(c: StatsCase): { sae: EncoderSae; x: Float32Array } {
  const r = rng(c.seed);
  const cfg: SaeConfig = {
    architecture: c.architecture,
    d_in: c.dIn,
    d_sae: c.dSae,
    ...(c.k ? { k: c.k } : {}),
    dtype: 'float32',
    apply_b_dec_to_input: true,
    normalize_activations: c.layerNorm ? 'layer_norm' : 'none',
    hook_name: 'blocks.0.hook_resid_post',
    model_name: 'toy',
    context_size: 16,
    prepend_bos: true,
  };
  const q = c.quantized;
  const weights = {
    W_enc: q ? grid(r, c.dIn * c.dSae, 1 / 16, 8) : uniform(r, c.dIn * c.dSae, 0.5),
    b_enc: q ? grid(r, c.dSae, 1 / 16, 4) : uniform(r, c.dSae, 0.3),
    W_dec: uniform(r, c.dSae * c.dIn),
    b_dec: q ? grid(r, c.dIn, 1 / 8, 2) : uniform(r, c.dIn, 0.2),
    ...(c.architecture === 'jumprelu' ? { threshold: uniform(r, c.dSae, 0.4).map(Math.abs) } : {}),
  };
  if (c.encBias) for (let j = 0; j < c.dSae; j++) weights.b_enc[j] += c.encBias;
  weights.b_enc[3] = -100; // a dead feature
  const x = q ? grid(r, c.rows * c.dIn, 1 / 8, 8) : uniform(r, c.rows * c.dIn);
  if (c.layerNorm) {
    // Residual-like rows: each its own offset (±30) and scale (0.1 … 50), which layer_norm takes out.
    for (let row = 0; row < c.rows; row++) {
      const off = 30 * (2 * r() - 1);
      const scale = 0.1 * 500 ** r();
      for (let i = 0; i < c.dIn; i++) x[row * c.dIn + i] = off + scale * x[row * c.dIn + i];
    }
  }
  return { sae: { cfg, weights }, x };
}

export function statsBatches(c: StatsCase, x: Float32Array) {
  return async function* () {
    for (let r = 0; r < c.rows; r += c.batch) yield { rows: x.slice(r * c.dIn, Math.min(c.rows, r + c.batch) * c.dIn), firstRow: r };
  };
}

/** twinActs over the case's batches, concatenated [rows, d_sae] (BatchTopK selects per batch). */
export async function twinActsByBatch(c: StatsCase, sae: EncoderSae, x: Float32Array): Promise<Float32Array> {
  const out = new Float32Array(c.rows * c.dSae);
  for await (const b of statsBatches(c, x)()) out.set(await twinActs(sae)(b.rows, b.rows.length / c.dIn), b.firstRow * c.dSae);
  return out;
}

/**
 * The CPU twins of the GPU encoder (encoderInput, which GpuEncoder also runs on the CPU before the upload →
 * matmul_bias → feature_acts → topk_rows [→ batch_topk] → feature_scatter).
 */
export function twinActs(sae: EncoderSae): ActsOf {
  const { cfg, weights: w } = sae;
  return (rows, n) => {
    const x = encoderInput(cfg, rows, n).x; // [n, d_in]: layer_norm'd rows, or the rows themselves
    const pre = matmulBias({ a: x, b: w.W_enc, bias: w.b_enc, sub: w.b_dec, M: n, K: cfg.d_in, N: cfg.d_sae });
    const batch = cfg.architecture === 'batchtopk';
    const mode = batch ? 'topk' : (cfg.architecture as 'topk' | 'standard' | 'jumprelu');
    const acts = featureActs(pre, n, cfg.d_sae, mode, w.threshold ?? null);
    if (mode === 'topk') {
      const k = batch ? Math.min(cfg.d_sae, BATCH_TOPK_CANDIDATES) : cfg.k!;
      const t = topkRows(pre, n, cfg.d_sae, k, { relu: true });
      if (batch) batchTopk(t.values, n, k, Math.floor(cfg.k! * n));
      featureScatter(acts, t.indices, t.values, n, k, cfg.d_sae);
    }
    return acts;
  };
}
