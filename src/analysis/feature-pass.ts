// The feature statistics pass (SAEDashboard's per-feature data), on the CPU: two passes over a run's rows.
//
//   pass 1   per feature: rows where it fires (act > 0), max and summed activation, the top-N rows
//   pass 2   per feature: histogram of activations in nBins equal bins of (0, max], and per activation
//            interval (nBands equal intervals of (0, max], SAEDashboard's "interval groups") its row count and
//            bandSize rows sampled uniformly: those with the smallest hash(row, feature)
//
// Ties everywhere go to the lower row, and the band samples depend only on (row, feature), so the result is
// exact and independent of batch sizes and order.
import { encode } from '../sae/sae';
import type { SaeConfig, SaeWeights } from '../sae/sae';

export interface FeatureStatsOptions {
  topN: number;
  nBins: number;
  nBands: number;
  bandSize: number;
}

export const DEFAULT_FEATURE_STATS: FeatureStatsOptions = { topN: 24, nBins: 32, nBands: 8, bandSize: 8 };

export const EMPTY_SLOT = 0xffffffff;

export interface FeatureStats extends FeatureStatsOptions {
  rows: number;
  dSae: number;
  count: Uint32Array; //   [d_sae]
  maxAct: Float32Array; // [d_sae]
  sumAct: Float64Array; // [d_sae]
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

/** murmur3's 32-bit finaliser over (row, feature): the band samples' uniform, order-free key. */
export function sampleHash(row: number, feature: number): number {
  let h = (Math.imul(row, 0x9e3779b1) ^ Math.imul(feature + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Inserts (key, row, value) into the sorted slot list at off … off + n − 1 (descending keys when `desc`, else
 * ascending; ties → lower row); `values` travel with their rows (null: the keys are the values).
 */
function insert(keys: Float32Array | Float64Array, rows: Uint32Array, values: Float32Array | null, off: number, n: number, key: number, row: number, value: number, desc: boolean): void {
  const beats = (j: number) => rows[off + j] === EMPTY_SLOT || (desc ? key > keys[off + j] : key < keys[off + j]) || (key === keys[off + j] && row < rows[off + j]);
  if (!beats(n - 1)) return;
  let j = n - 1;
  for (; j > 0 && beats(j - 1); j--) {
    keys[off + j] = keys[off + j - 1];
    rows[off + j] = rows[off + j - 1];
    if (values) values[off + j] = values[off + j - 1];
  }
  keys[off + j] = key;
  rows[off + j] = row;
  if (values) values[off + j] = value;
}

/** The band (0 … nBands − 1) of a positive activation; the max lands in the top band. */
export function bandOf(act: number, max: number, n: number): number {
  return Math.min(n - 1, Math.floor((act / max) * n));
}

export async function featureStatsCpu(
  sae: EncoderSae,
  batches: Batches,
  opts: Partial<FeatureStatsOptions> = {},
  onProgress?: (pass: number, rows: number) => void,
  signal?: AbortSignal,
): Promise<FeatureStats> {
  const o = { ...DEFAULT_FEATURE_STATS, ...opts };
  const d = sae.cfg.d_sae;
  const s: FeatureStats = {
    ...o,
    rows: 0,
    dSae: d,
    count: new Uint32Array(d),
    maxAct: new Float32Array(d),
    sumAct: new Float64Array(d),
    top: { rows: new Uint32Array(d * o.topN).fill(EMPTY_SLOT), acts: new Float32Array(d * o.topN) },
    hist: new Uint32Array(d * o.nBins),
    bandCount: new Uint32Array(d * o.nBands),
    bands: { rows: new Uint32Array(d * o.nBands * o.bandSize).fill(EMPTY_SLOT), acts: new Float32Array(d * o.nBands * o.bandSize) },
  };
  const hashKeys = new Float64Array(d * o.nBands * o.bandSize);
  for (const pass of [1, 2]) {
    let done = 0;
    for await (const b of batches()) {
      if (signal?.aborted) throw new DOMException('the feature statistics pass was cancelled', 'AbortError');
      const n = b.rows.length / sae.cfg.d_in;
      const { acts } = encode(sae.weights, sae.cfg, b.rows, n); // [n, d_sae]
      for (let r = 0; r < n; r++) {
        const row = b.firstRow + r;
        for (let f = 0; f < d; f++) {
          const a = acts[r * d + f];
          if (!(a > 0)) continue;
          if (pass === 1) {
            s.count[f]++;
            s.sumAct[f] += a;
            if (a > s.maxAct[f]) s.maxAct[f] = a;
            insert(s.top.acts, s.top.rows, null, f * o.topN, o.topN, a, row, a, true);
          } else {
            const max = s.maxAct[f];
            s.hist[f * o.nBins + bandOf(a, max, o.nBins)]++;
            const band = bandOf(a, max, o.nBands);
            s.bandCount[f * o.nBands + band]++;
            const off = (f * o.nBands + band) * o.bandSize;
            insert(hashKeys, s.bands.rows, s.bands.acts, off, o.bandSize, sampleHash(row, f), row, a, false);
          }
        }
      }
      if (pass === 1) s.rows += n;
      done += n;
      onProgress?.(pass, done);
    }
  }
  return s;
}

/** {row, act} of the used slots of a slot list. */
export function slotList(rows: Uint32Array, acts: Float32Array, off: number, n: number): { row: number; act: number }[] {
  const out: { row: number; act: number }[] = [];
  for (let j = 0; j < n; j++) if (rows[off + j] !== EMPTY_SLOT) out.push({ row: rows[off + j], act: acts[off + j] });
  return out;
}
