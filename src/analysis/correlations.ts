// SAEDashboard's correlation tables, over every stored row of the run (one pass after the statistics pass):
//
//   correlated neurons    Pearson r between feature f's activation and each unit of the SAE's own hook (the hook's
//                         dimensions: MLP neurons for mlp.hook_post, residual dimensions for resid hooks)
//   correlated features   Pearson r between f and its candidate features g
//
// Sums kept, per row: Σa_f, Σa_f² [d_sae]; Σx_i, Σx_i² [d_in]; Σa_f·x_i [d_sae, d_in] (only where a_f ≠ 0, so a
// sparse SAE costs nnz · d_in a row); Σa_f·a_g for the candidate pairs [d_sae, C].
//
// Neuron sums are shifted by the first row's values (x − x₀): covariance does not change, and the shift keeps the
// float32 cross sums from cancelling when a unit's mean is large against its spread (massive residual dimensions).
// The cross sums are float32 to hold [d_sae, d_in] in 75 MB at GPT-2 small's width; everything else float64.
//
// Feature–feature r over all d_sae² pairs is too big (24,576² = 6 · 10⁸ pairs, each a sum over rows): it is computed
// exactly, over all rows, for candidate pairs only — per feature the union of its nearest features by decoder
// cosine, by encoder cosine, and the features sharing most of its top examples (co-firing where it fires most).
// Limit: a pair that co-fires widely but is in none of these lists for either feature is not in the table.
import { LabError } from '../core/errors';
import type { Batches, ActsOf } from './feature-pass';
import { type TopTable, topOfRow } from './cosines';
import { EMPTY_SLOT } from './cpu/feature_stats';

export class CorrelationCancelledError extends LabError {}

/** Per feature: top-n units by r and top-n candidate features by r (each best first, −1 unused). */
export interface FeatureCorrelations {
  rows: number;
  neurons: TopTable; //  [d_sae, n]: units of the hook
  features: TopTable; // [d_sae, n]: among the candidates
  /** Candidate features per feature the feature table drew from (columns, −1 unused). */
  candidates: number;
}

/** Candidate features per feature [d, C] (−1 unused): union of the given top tables' rows, then top-example sharing. */
export function correlationCandidates(d: number, tables: TopTable[], topRows: Uint32Array, topN: number, shared: number): { C: number; cand: Int32Array } {
  const C = tables.reduce((a, t) => a + t.n, 0) + shared;
  const cand = new Int32Array(d * C).fill(-1);
  const byRow = featuresByTopRow(topRows, topN);
  for (let f = 0; f < d; f++) {
    const set = new Set<number>();
    for (const t of tables) for (let j = 0; j < t.n; j++) if (t.index[f * t.n + j] >= 0) set.add(t.index[f * t.n + j]);
    for (const g of sharedTopExamples(f, topRows, topN, byRow, shared)) set.add(g);
    set.delete(f);
    let j = 0;
    for (const g of set) cand[f * C + j++] = g;
  }
  return { C, cand };
}

/** row → features with that row among their top examples. */
function featuresByTopRow(topRows: Uint32Array, topN: number): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (let s = 0; s < topRows.length; s++) {
    const r = topRows[s];
    if (r === EMPTY_SLOT) continue;
    const f = Math.floor(s / topN);
    const l = m.get(r);
    if (l) l.push(f);
    else m.set(r, [f]);
  }
  return m;
}

/** The `k` features sharing most top-example rows with f (ties → lower index). */
function sharedTopExamples(f: number, topRows: Uint32Array, topN: number, byRow: Map<number, number[]>, k: number): number[] {
  const n = new Map<number, number>();
  for (let j = 0; j < topN; j++) {
    const r = topRows[f * topN + j];
    if (r === EMPTY_SLOT) continue;
    for (const g of byRow.get(r) ?? []) if (g !== f) n.set(g, (n.get(g) ?? 0) + 1);
  }
  return [...n].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k).map(([g]) => g);
}

interface Sums {
  rows: number;
  sa: Float64Array; //   [d_sae]
  saa: Float64Array; //  [d_sae]
  shift: Float32Array | null; // [d_in] x₀
  sx: Float64Array; //   [d_in]  Σ(x − x₀)
  sxx: Float64Array; //  [d_in]
  sax: Float32Array; //  [d_sae, d_in]  Σ a (x − x₀)
  sag: Float64Array; //  [d_sae, C]
}

/** Pearson r from sums over N rows: (N Σab − Σa Σb) / √((N Σa² − (Σa)²)(N Σb² − (Σb)²)); NaN for a constant side. */
export function pearson(N: number, sa: number, saa: number, sb: number, sbb: number, sab: number): number {
  const va = N * saa - sa * sa;
  const vb = N * sbb - sb * sb;
  if (!(va > 0) || !(vb > 0)) return Number.NaN;
  return (N * sab - sa * sb) / Math.sqrt(va * vb);
}

/**
 * One pass over `batches`: rows x [B, d_in] of the SAE's hook and their activations from `acts` [B, d_sae]; then the
 * n most correlated units and candidate features of every feature.
 */
export async function correlationPass(
  dims: { dIn: number; dSae: number },
  batches: Batches,
  acts: ActsOf,
  candidates: { C: number; cand: Int32Array },
  n: number,
  onProgress?: (rows: number) => void,
  signal?: AbortSignal,
): Promise<FeatureCorrelations> {
  const { dIn, dSae: d } = dims;
  const { C, cand } = candidates;
  const s: Sums = { rows: 0, sa: new Float64Array(d), saa: new Float64Array(d), shift: null, sx: new Float64Array(dIn), sxx: new Float64Array(dIn), sax: new Float32Array(d * dIn), sag: new Float64Array(d * C) };
  const xs = new Float32Array(dIn);
  for await (const b of batches()) {
    if (signal?.aborted) throw new CorrelationCancelledError('the correlation pass was cancelled');
    const B = b.rows.length / dIn;
    const a = await acts(b.rows, B); // [B, d_sae]
    s.shift ??= b.rows.slice(0, dIn);
    for (let r = 0; r < B; r++) {
      for (let i = 0; i < dIn; i++) {
        const v = b.rows[r * dIn + i] - s.shift[i];
        xs[i] = v;
        s.sx[i] += v;
        s.sxx[i] += v * v;
      }
      accumulateRow(s, a, r * d, d, dIn, xs, C, cand);
    }
    s.rows += B;
    onProgress?.(s.rows);
  }
  return finish(s, d, dIn, C, cand, n);
}

function accumulateRow(s: Sums, a: Float32Array, base: number, d: number, dIn: number, xs: Float32Array, C: number, cand: Int32Array): void {
  for (let f = 0; f < d; f++) {
    const v = a[base + f];
    if (v === 0) continue;
    s.sa[f] += v;
    s.saa[f] += v * v;
    const o = f * dIn;
    for (let i = 0; i < dIn; i++) s.sax[o + i] += v * xs[i];
    for (let j = f * C; j < (f + 1) * C; j++) {
      const g = cand[j];
      if (g < 0) break;
      const w = a[base + g];
      if (w !== 0) s.sag[j] += v * w;
    }
  }
}

function finish(s: Sums, d: number, dIn: number, C: number, cand: Int32Array, n: number): FeatureCorrelations {
  const N = s.rows;
  const nn = Math.min(n, dIn);
  const nf = Math.min(n, C);
  const neurons: TopTable = { n: nn, index: new Int32Array(d * nn).fill(-1), value: new Float32Array(d * nn) };
  const features: TopTable = { n: nf, index: new Int32Array(d * nf).fill(-1), value: new Float32Array(d * nf) };
  const rN = new Float32Array(dIn);
  const rF = new Float32Array(C);
  const idx = new Int32Array(C);
  for (let f = 0; f < d; f++) {
    for (let i = 0; i < dIn; i++) rN[i] = pearson(N, s.sa[f], s.saa[f], s.sx[i], s.sxx[i], s.sax[f * dIn + i]);
    topOfRow(rN, 0, dIn, -1, nn, neurons.index, neurons.value, f * nn);
    let m = 0;
    for (let j = 0; j < C; j++) {
      const g = cand[f * C + j];
      if (g < 0) break;
      rF[m] = pearson(N, s.sa[f], s.saa[f], s.sa[g], s.saa[g], s.sag[f * C + j]);
      idx[m++] = g;
    }
    rF.fill(Number.NaN, m);
    topOfRow(rF, 0, C, -1, nf, features.index, features.value, f * nf);
    // topOfRow wrote positions into the candidate list: map them to feature indices
    for (let j = 0; j < nf; j++) {
      const at = features.index[f * nf + j];
      if (at >= 0) features.index[f * nf + j] = idx[at];
    }
  }
  return { rows: N, neurons, features, candidates: C };
}
