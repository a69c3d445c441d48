// The feature statistics pass (SAEDashboard's per-feature data), on the CPU: two passes over a run's rows.
//
//   pass 1   per feature: rows where it fires (act > 0), max and summed activation, the top-N rows
//   pass 2   per feature: histogram of activations in nBins equal bins of (0, max], and per activation
//            interval (nBands equal intervals of (0, max], SAEDashboard's "interval groups") its row count and
//            bandSize rows sampled uniformly: those with the smallest hash(row, feature)
//
// Bins and bands are [max·j/n, max·(j+1)/n) with the max in the top one. Rows are fed in increasing order and
// ties go to the earlier row; band samples depend only on (row, feature). So the result is exact and does not
// depend on batch sizes, and the GPU pass reproduces it bit for bit from the same activations.
import { LabError } from '../core/errors';
import { encode } from '../sae/sae';
import type { SaeConfig, SaeWeights } from '../sae/sae';
import { type Pass2State, featureHistUpdate, newPass2State } from './cpu/feature_hist';
import { EMPTY_SLOT, type Pass1State, featureStatsUpdate, newPass1State } from './cpu/feature_stats';

export { EMPTY_SLOT };
export { binOf, edgeFractions, sampleHash } from './cpu/feature_hist';

export class StatsCancelledError extends LabError {}

export interface FeatureStatsOptions {
  topN: number;
  nBins: number;
  nBands: number;
  bandSize: number;
}

export const DEFAULT_FEATURE_STATS: FeatureStatsOptions = { topN: 24, nBins: 32, nBands: 8, bandSize: 8 };


export interface FeatureStats extends FeatureStatsOptions {
  rows: number;
  dSae: number;
  count: Uint32Array; //   [d_sae]
  maxAct: Float32Array; // [d_sae]
  sumAct: Float64Array; // [d_sae]  (f32 Kahan sums, as the GPU keeps them)
  top: { rows: Uint32Array; acts: Float32Array }; //   [d_sae, topN], best first; rows EMPTY_SLOT when unused
  hist: Uint32Array; //    [d_sae, nBins]
  bandCount: Uint32Array; // [d_sae, nBands]
  bands: { rows: Uint32Array; acts: Float32Array }; // [d_sae, nBands, bandSize], smallest hash first
}

export interface RowBatchIn {
  rows: Float32Array; // [B, d_in]
  firstRow: number; //   global row number of the first row (rows are consecutive)
}

export type Batches = () => AsyncIterable<RowBatchIn>;

export interface EncoderSae {
  cfg: SaeConfig;
  weights: SaeWeights;
}

/** Dense activations [n, d_sae] of rows x [n, d_in]: how both passes see a batch. */
export type ActsOf = (x: Float32Array, n: number) => Float32Array | Promise<Float32Array>;

/** The plain-loop CPU encoder of src/sae/sae.ts. */
export const cpuActs = (sae: EncoderSae): ActsOf => (x, n) => encode(sae.weights, sae.cfg, x, n).acts;

/**
 * Both passes over `batches`, each batch through `acts` then the CPU twins of the stats kernels
 * (./cpu/feature_stats.ts, ./cpu/feature_hist.ts). The GPU pass (./feature-stats-gpu.ts) runs the same steps
 * as WGSL kernels.
 */
export async function featureStatsCpu(
  sae: EncoderSae,
  batches: Batches,
  opts: Partial<FeatureStatsOptions> = {},
  onProgress?: (pass: number, rows: number) => void,
  signal?: AbortSignal,
  acts: ActsOf = cpuActs(sae),
): Promise<FeatureStats> {
  return unitStatsCpu({ dIn: sae.cfg.d_in, units: sae.cfg.d_sae }, batches, acts, opts, onProgress, signal);
}

/**
 * The same two passes for any `units` functions of the rows: an SAE's features, or (acts the identity) the raw
 * units of a hook — MLP neurons, residual dimensions. The result's d_sae is then the number of units.
 */
export async function unitStatsCpu(
  dims: { dIn: number; units: number },
  batches: Batches,
  acts: ActsOf,
  opts: Partial<FeatureStatsOptions> = {},
  onProgress?: (pass: number, rows: number) => void,
  signal?: AbortSignal,
): Promise<FeatureStats> {
  const o = { ...DEFAULT_FEATURE_STATS, ...opts };
  const d = dims.units;
  const p1 = newPass1State(d, o.topN);
  const p2 = newPass2State(d, o.nBins, o.nBands, o.bandSize);
  // Pass 2 needs the activations again: keep pass 1's non-zero ones while they fit, instead of encoding twice.
  const cache: SparseBatch[] = [];
  let cached = 0;
  let rows = 0;
  const pass2 = (a: Float32Array, n: number, firstRow: number) =>
    featureHistUpdate(a, p1.maxAct, { M: n, dSae: d, firstRow, nBins: o.nBins, nBands: o.nBands, bandSize: o.bandSize }, p2);
  for await (const b of batches()) {
    if (signal?.aborted) throw new StatsCancelledError('the feature statistics pass was cancelled');
    const n = b.rows.length / dims.dIn;
    const a = await acts(b.rows, n); // [n, d_sae]
    featureStatsUpdate(a, n, d, b.firstRow, o.topN, p1);
    if (cached <= CACHE_ENTRIES) {
      const sp = sparsify(a, n, b.firstRow);
      cached += sp.at.length;
      if (cached <= CACHE_ENTRIES) cache.push(sp);
      else cache.length = 0;
    }
    rows += n;
    onProgress?.(1, rows);
  }
  let done = 0;
  if (cache.length && cached <= CACHE_ENTRIES) {
    for (const sp of cache) {
      if (signal?.aborted) throw new StatsCancelledError('the feature statistics pass was cancelled');
      pass2(densify(sp, d), sp.n, sp.firstRow);
      onProgress?.(2, (done += sp.n));
    }
  } else {
    for await (const b of batches()) {
      if (signal?.aborted) throw new StatsCancelledError('the feature statistics pass was cancelled');
      const n = b.rows.length / dims.dIn;
      pass2(await acts(b.rows, n), n, b.firstRow);
      onProgress?.(2, (done += n));
    }
  }
  return assemble(o, d, rows, p1, p2);
}

/** Non-zero activations a pass-1 batch kept for pass 2: flat positions (row · d_sae + feature) and values. */
interface SparseBatch {
  n: number;
  firstRow: number;
  at: Uint32Array;
  val: Float32Array;
}

const CACHE_ENTRIES = 1 << 24; // 16M non-zeros (128 MB) at most; past that, pass 2 encodes again

function sparsify(a: Float32Array, n: number, firstRow: number): SparseBatch {
  let nz = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > 0) nz++;
  const at = new Uint32Array(nz);
  const val = new Float32Array(nz);
  for (let i = 0, j = 0; i < a.length; i++) if (a[i] > 0) (at[j] = i), (val[j++] = a[i]);
  return { n, firstRow, at, val };
}

function densify(sp: SparseBatch, d: number): Float32Array {
  const a = new Float32Array(sp.n * d);
  for (let j = 0; j < sp.at.length; j++) a[sp.at[j]] = sp.val[j];
  return a;
}

export function assemble(o: FeatureStatsOptions, dSae: number, rows: number, p1: Pass1State, p2: Pass2State): FeatureStats {
  return {
    ...o,
    rows,
    dSae,
    count: p1.count,
    maxAct: p1.maxAct,
    sumAct: Float64Array.from(p1.sum),
    top: { rows: p1.topRows, acts: p1.topActs },
    hist: p2.hist,
    bandCount: p2.bandCount,
    bands: { rows: p2.bandRows, acts: p2.bandActs },
  };
}

/** {row, act} of the used slots of a slot list. */
export function slotList(rows: Uint32Array, acts: Float32Array, off: number, n: number): { row: number; act: number }[] {
  const out: { row: number; act: number }[] = [];
  for (let j = 0; j < n; j++) if (rows[off + j] !== EMPTY_SLOT) out.push({ row: rows[off + j], act: acts[off + j] });
  return out;
}
