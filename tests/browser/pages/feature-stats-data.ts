// Feature-statistics test cases and their seeded data, shared by the page (GPU) and the test (CPU twins).
import type { ActsOf, EncoderSae } from '../../../src/analysis/feature-pass';
import { featureActs, featureScatter } from '../../../src/analysis/cpu/feature_acts';
import type { SaeConfig } from '../../../src/sae/sae';
import { matmulBias } from '../../../src/sae/cpu/matmul_bias';
import { topkRows } from '../../../src/sae/cpu/topk_rows';
import { rng, uniform } from './kernels-data';

export interface StatsCase {
  name: string;
  seed: number;
  architecture: 'topk' | 'standard' | 'jumprelu';
  dIn: number;
  dSae: number;
  k?: number;
  rows: number;
  batch: number;
  opts: { topN: number; nBins: number; nBands: number; bandSize: number };
}

export const STATS_CASES: StatsCase[] = [
  { name: 'topk d_in 19 d_sae 77 k 5, 300 rows in 64s', seed: 1, architecture: 'topk', dIn: 19, dSae: 77, k: 5, rows: 300, batch: 64, opts: { topN: 5, nBins: 9, nBands: 4, bandSize: 3 } },
  { name: 'standard d_in 19 d_sae 77, 300 rows in 64s', seed: 2, architecture: 'standard', dIn: 19, dSae: 77, rows: 300, batch: 64, opts: { topN: 5, nBins: 7, nBands: 3, bandSize: 4 } },
  { name: 'jumprelu d_in 13 d_sae 130, 211 rows in 50s', seed: 3, architecture: 'jumprelu', dIn: 13, dSae: 130, rows: 211, batch: 50, opts: { topN: 24, nBins: 32, nBands: 8, bandSize: 8 } },
];

export function statsSetup(c: StatsCase): { sae: EncoderSae; x: Float32Array } {
  const r = rng(c.seed);
  const cfg: SaeConfig = {
    architecture: c.architecture,
    d_in: c.dIn,
    d_sae: c.dSae,
    ...(c.k ? { k: c.k } : {}),
    dtype: 'float32',
    apply_b_dec_to_input: true,
    normalize_activations: 'none',
    hook_name: 'blocks.0.hook_resid_post',
    model_name: 'toy',
    context_size: 16,
    prepend_bos: true,
  };
  const weights = {
    W_enc: uniform(r, c.dIn * c.dSae, 0.5),
    b_enc: uniform(r, c.dSae, 0.3),
    W_dec: uniform(r, c.dSae * c.dIn),
    b_dec: uniform(r, c.dIn, 0.2),
    ...(c.architecture === 'jumprelu' ? { threshold: uniform(r, c.dSae, 0.4).map(Math.abs) } : {}),
  };
  weights.b_enc[3] = -100; // a dead feature
  return { sae: { cfg, weights }, x: uniform(r, c.rows * c.dIn) };
}

export function statsBatches(c: StatsCase, x: Float32Array) {
  return async function* () {
    for (let r = 0; r < c.rows; r += c.batch) yield { rows: x.slice(r * c.dIn, Math.min(c.rows, r + c.batch) * c.dIn), firstRow: r };
  };
}

/** The CPU twins of the GPU encoder (matmul_bias → feature_acts → topk_rows → feature_scatter). */
export function twinActs(sae: EncoderSae): ActsOf {
  const { cfg, weights: w } = sae;
  return (x, n) => {
    const pre = matmulBias({ a: x, b: w.W_enc, bias: w.b_enc, sub: w.b_dec, M: n, K: cfg.d_in, N: cfg.d_sae });
    const mode = cfg.architecture as 'topk' | 'standard' | 'jumprelu';
    const acts = featureActs(pre, n, cfg.d_sae, mode, w.threshold ?? null);
    if (mode === 'topk') {
      const t = topkRows(pre, n, cfg.d_sae, cfg.k!, { relu: true });
      featureScatter(acts, t.indices, t.values, n, cfg.k!, cfg.d_sae);
    }
    return acts;
  };
}
