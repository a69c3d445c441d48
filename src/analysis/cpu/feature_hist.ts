// CPU twin of shaders/feature_hist.wgsl: pass 2 of the feature statistics over one batch of dense activations —
// histogram bins, activation bands and each band's hash-sampled rows, updating the running state in place.
import { EMPTY_SLOT } from './feature_stats';

export interface Pass2State {
  hist: Uint32Array; //      [d_sae, nBins]
  bandCount: Uint32Array; // [d_sae, nBands]
  bandRows: Uint32Array; //  [d_sae, nBands, S]
  bandKeys: Uint32Array; //  [d_sae, nBands, S]
  bandActs: Float32Array; // [d_sae, nBands, S]
}

export function newPass2State(dSae: number, nBins: number, nBands: number, bandSize: number): Pass2State {
  const slots = dSae * nBands * bandSize;
  return {
    hist: new Uint32Array(dSae * nBins),
    bandCount: new Uint32Array(dSae * nBands),
    bandRows: new Uint32Array(slots).fill(EMPTY_SLOT),
    bandKeys: new Uint32Array(slots),
    bandActs: new Float32Array(slots),
  };
}

/** j / n for j = 1 … n − 1, as float32: the bin and band edges are max · these (one correctly rounded product). */
export function edgeFractions(n: number): Float32Array {
  return Float32Array.from({ length: Math.max(0, n - 1) }, (_, j) => (j + 1) / n);
}

/** The bin of a positive activation: how many edges max · frac[j] it reaches (0 … frac.length). */
export function binOf(a: number, max: number, frac: Float32Array): number {
  let bin = 0;
  for (let j = 0; j < frac.length; j++) if (a >= Math.fround(max * frac[j])) bin = j + 1;
  return bin;
}

/** murmur3's 32-bit finaliser over (row, feature): the band samples' uniform, order-free key. */
export function sampleHash(row: number, feature: number): number {
  let h = (Math.imul(row, 0x9e3779b1) ^ Math.imul(feature + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export interface HistShape {
  M: number;
  dSae: number;
  firstRow: number;
  nBins: number;
  nBands: number;
  bandSize: number;
}

export function featureHistUpdate(acts: Float32Array, maxAct: Float32Array, s: HistShape, st: Pass2State): void {
  const binFrac = edgeFractions(s.nBins);
  const bandFrac = edgeFractions(s.nBands);
  const S = s.bandSize;
  for (let f = 0; f < s.dSae; f++) {
    const mx = maxAct[f];
    for (let r = 0; r < s.M; r++) {
      const a = acts[r * s.dSae + f];
      if (!(a > 0)) continue;
      st.hist[f * s.nBins + binOf(a, mx, binFrac)]++;
      const cb = f * s.nBands + binOf(a, mx, bandFrac);
      st.bandCount[cb]++;
      const row = s.firstRow + r;
      const key = sampleHash(row, f);
      const off = cb * S;
      const last = off + S - 1;
      if (st.bandRows[last] === EMPTY_SLOT || key < st.bandKeys[last]) {
        let j = S - 1;
        for (; j > 0; j--) {
          const q = off + j - 1;
          if (st.bandRows[q] !== EMPTY_SLOT && !(key < st.bandKeys[q])) break;
          st.bandRows[off + j] = st.bandRows[q];
          st.bandKeys[off + j] = st.bandKeys[q];
          st.bandActs[off + j] = st.bandActs[q];
        }
        st.bandRows[off + j] = row;
        st.bandKeys[off + j] = key;
        st.bandActs[off + j] = a;
      }
    }
  }
}
