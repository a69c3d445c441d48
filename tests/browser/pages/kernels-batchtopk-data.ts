// The batch_topk kernel table and its seeded inputs, imported by the page (./kernels-batchtopk.ts, the WGSL
// kernel) and by ../kernels-batchtopk.test.ts (the CPU twin), so both sides build bit-identical data.
import { topkRows } from '../../../src/sae/cpu/topk_rows';
import { rng, uniform } from './kernels-data';

export interface BatchTopkCase {
  name: string;
  seed: number;
  M: number;
  kCand: number;
  keep: number;
  /**
   * sorted: ReLU'd per-row top-kCand of random pre-activations over dSae latents (what training feeds it);
   * ties: values on a grid of 1/8 (many ties straddle the cut), a third non-positive; raw: unsorted values in
   * [−1, 1) with −0s, not ReLU'd; equal: every value 0.5 (the cut falls by flat index alone).
   */
  fill: 'sorted' | 'ties' | 'raw' | 'equal';
  /** Rows forced all non-positive (every other row from the third). */
  deadRows?: boolean;
  capRows?: boolean;
  /** dSae for 'sorted'. */
  dSae?: number;
  threshold: number;
  emaRate: number;
}

const c = (o: Omit<BatchTopkCase, 'name'>): BatchTopkCase => ({
  ...o,
  name: `batch_topk M=${o.M} kCand=${o.kCand} keep=${o.keep} ${o.fill}${o.deadRows ? ' dead rows' : ''}${o.capRows ? ' capRows' : ''}`,
});

export const BATCH_TOPK_CASES: BatchTopkCase[] = [
  c({ seed: 1, M: 23, kCand: 37, keep: 100, fill: 'sorted', dSae: 129, capRows: true, threshold: 0.3, emaRate: 0.01 }),
  c({ seed: 2, M: 70, kCand: 129, keep: Math.floor(70 * 9.5), fill: 'ties', deadRows: true, threshold: 0.1, emaRate: 0.01 }),
  c({ seed: 3, M: 23, kCand: 37, keep: 300, fill: 'raw', deadRows: true, capRows: true, threshold: 0, emaRate: 0.5 }),
  c({ seed: 4, M: 300, kCand: 200, keep: 3001, fill: 'ties', threshold: 0.2, emaRate: 0.01 }), // 60 000 slots: 2 index passes
  c({ seed: 5, M: 19, kCand: 13, keep: 77, fill: 'equal', capRows: true, threshold: 1, emaRate: 0.25 }),
  c({ seed: 6, M: 33, kCand: 9, keep: 33 * 9, fill: 'sorted', dSae: 40, capRows: true, threshold: 0.7, emaRate: 0 }), // count only
  c({ seed: 7, M: 33, kCand: 9, keep: 250, fill: 'ties', deadRows: true, threshold: 0.4, emaRate: 0.01 }), // keep > positives
  c({ seed: 8, M: 17, kCand: 5, keep: 0, fill: 'raw', threshold: 0.4, emaRate: 0.01 }),
  c({ seed: 9, M: 1, kCand: 256, keep: 31, fill: 'sorted', dSae: 1000, capRows: true, threshold: 0, emaRate: 0.01 }),
  c({ seed: 10, M: 300, kCand: 1, keep: 45, fill: 'ties', deadRows: true, capRows: true, threshold: 0.2, emaRate: 0.01 }),
];

/** The candidate values [M, kCand]. */
export function batchTopkInputs(k: BatchTopkCase): Float32Array {
  const r = rng(k.seed);
  const n = k.M * k.kCand;
  let v: Float32Array;
  switch (k.fill) {
    case 'sorted': {
      const dSae = k.dSae!;
      v = topkRows(uniform(r, k.M * dSae), k.M, dSae, k.kCand, { relu: true }).values;
      break;
    }
    case 'ties':
      v = Float32Array.from({ length: n }, () => (r() < 0.33 ? -Math.floor(r() * 4) / 8 : Math.floor(r() * 16) / 8));
      break;
    case 'raw':
      v = Float32Array.from({ length: n }, () => (r() < 0.1 ? -0 : 2 * r() - 1));
      break;
    case 'equal':
      v = new Float32Array(n).fill(0.5);
      break;
  }
  if (k.deadRows) for (let m = 2; m < k.M; m += 2) for (let j = 0; j < k.kCand; j++) v[m * k.kCand + j] = -Math.abs(v[m * k.kCand + j]);
  return v;
}
