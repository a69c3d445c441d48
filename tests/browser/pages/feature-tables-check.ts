// In-page, independent of the statistics pass and its tables: reads every stored row of the SAE's run straight from
// IndexedDB, encodes it with the plain-loop CPU encoder (src/sae/sae.ts), and computes Pearson r directly (means
// first, then centred sums, in float64), and every pair's cosine from the SAE's weights as stored.
import { encode } from '../../../src/sae/sae';
import type { SaeConfig } from '../../../src/sae/sae';
import { RunReader } from '../../../src/store/reader';
import { openStore } from '../../../src/store/schema';
import { storedWeights } from './sae-weights';

function pearson(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) (ma += a[i]), (mb += b[i]);
  ma /= n;
  mb /= n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : Number.NaN;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) (ab += a[i] * b[i]), (aa += a[i] * a[i]), (bb += b[i] * b[i]);
  return ab / Math.sqrt(aa * bb);
}

type Entry = { index: number; value: number };
const top = (xs: Entry[], n: number) => xs.filter((e) => Number.isFinite(e.value)).sort((p, q) => q.value - p.value || p.index - q.index).slice(0, n);

export interface TablesTruth {
  rows: number;
  live: number;
  neurons: Entry[]; //    top n units by r
  decoder: Entry[]; //    top n other features by decoder cosine
  encoder: Entry[];
  /** r of feature `feature` with every other feature (NaN for a dead one). */
  rWith: number[];
}

export async function recomputeTables(saeId: string, feature: number, n: number): Promise<TablesTruth> {
  const db = await openStore();
  try {
    const sae = (await db.get('saes', saeId))!;
    const rec = (await db.get('featureStats', saeId))!;
    const cfg = sae.cfg as unknown as SaeConfig;
    const w = await storedWeights(sae);
    const { d_in: dIn, d_sae: d } = cfg;
    const reader = await RunReader.open(db, rec.runId);
    const xs: number[] = [];
    const as: number[] = [];
    for await (const b of reader.batches(cfg.hook_name, 128)) {
      const m = b.rowIndex.length;
      const e = encode(w, cfg, b.rows, m);
      for (let i = 0; i < b.rows.length; i++) xs.push(b.rows[i]);
      for (let i = 0; i < e.acts.length; i++) as.push(e.acts[i]);
    }
    const N = xs.length / dIn;
    const featureCol = (f: number) => Float64Array.from({ length: N }, (_, r) => as[r * d + f]);
    const a = featureCol(feature);
    const neurons = top(Array.from({ length: dIn }, (_, i) => ({ index: i, value: pearson(a, Float64Array.from({ length: N }, (_, r) => xs[r * dIn + i])) })), n);
    const rWith = Array.from({ length: d }, (_, g) => (g === feature ? Number.NaN : pearson(a, featureCol(g))));
    let live = 0;
    for (let f = 0; f < d; f++) if (featureCol(f).some((v) => v > 0)) live++;
    const dec = (f: number) => w.W_dec.subarray(f * dIn, (f + 1) * dIn);
    const enc = (f: number) => Float64Array.from({ length: dIn }, (_, i) => w.W_enc[i * d + f]);
    const others = Array.from({ length: d }, (_, g) => g).filter((g) => g !== feature);
    return {
      rows: N,
      live,
      neurons,
      decoder: top(others.map((g) => ({ index: g, value: cosine(dec(feature), dec(g)) })), n),
      encoder: top(others.map((g) => ({ index: g, value: cosine(enc(feature), enc(g)) })), n),
      rWith,
    };
  } finally {
    db.close();
  }
}

/** The saved map's points. */
export async function mapPoints(saeId: string): Promise<{ x: number[]; y: number[] }> {
  const db = await openStore();
  try {
    const m = (await db.get('featureStats', saeId))!.map as { x: Float32Array; y: Float32Array };
    return { x: Array.from(m.x), y: Array.from(m.y) };
  } finally {
    db.close();
  }
}

/** The feature that fires on the most stored rows (by the saved statistics). */
export async function busiestFeature(saeId: string): Promise<number> {
  const db = await openStore();
  try {
    const count = ((await db.get('featureStats', saeId))!.stats as { count: Uint32Array }).count;
    let best = 0;
    for (let f = 1; f < count.length; f++) if (count[f] > count[best]) best = f;
    return best;
  } finally {
    db.close();
  }
}
