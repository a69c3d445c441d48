// CPU twin of shaders/feature_stats.wgsl: pass 1 of the feature statistics over one batch of dense activations,
// updating the running per-feature state in place (same order, same f32 Kahan sum, same tie rule).
export const EMPTY_SLOT = 0xffffffff;

export interface Pass1State {
  count: Uint32Array; //    [d_sae]
  maxAct: Float32Array; //  [d_sae]
  sum: Float32Array; //     [d_sae]  Kahan running sum
  comp: Float32Array; //    [d_sae]  its compensation
  topRows: Uint32Array; //  [d_sae, N]
  topActs: Float32Array; // [d_sae, N]
}

export function newPass1State(dSae: number, topN: number): Pass1State {
  return {
    count: new Uint32Array(dSae),
    maxAct: new Float32Array(dSae),
    sum: new Float32Array(dSae),
    comp: new Float32Array(dSae),
    topRows: new Uint32Array(dSae * topN).fill(EMPTY_SLOT),
    topActs: new Float32Array(dSae * topN),
  };
}

const f32 = Math.fround;

export function featureStatsUpdate(acts: Float32Array, M: number, dSae: number, firstRow: number, topN: number, st: Pass1State): void {
  for (let f = 0; f < dSae; f++) {
    let s = st.sum[f];
    let e = st.comp[f];
    const off = f * topN;
    for (let r = 0; r < M; r++) {
      const a = acts[r * dSae + f];
      if (!(a > 0)) continue;
      st.count[f]++;
      if (a > st.maxAct[f]) st.maxAct[f] = a;
      const y = f32(a - e);
      const t = f32(s + y);
      e = f32(f32(t - s) - y);
      s = t;
      const last = off + topN - 1;
      if (st.topRows[last] === EMPTY_SLOT || a > st.topActs[last]) {
        let j = topN - 1;
        for (; j > 0; j--) {
          const q = off + j - 1;
          if (st.topRows[q] !== EMPTY_SLOT && !(a > st.topActs[q])) break;
          st.topRows[off + j] = st.topRows[q];
          st.topActs[off + j] = st.topActs[q];
        }
        st.topRows[off + j] = firstRow + r;
        st.topActs[off + j] = a;
      }
    }
    st.sum[f] = s;
    st.comp[f] = e;
  }
}
