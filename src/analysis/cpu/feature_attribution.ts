// CPU twin of shaders/feature_attribution.wgsl: out [2, dSae] with out[k, f] = acts[f] · Σ_c W_dec[f, c] · dirs[k, c]
// (direct logit attribution along dirs[0], activation × gradient along dirs[1]). Features that do not fire are 0
// without reading their decoder rows, as on the GPU. Sums in float64.
export function featureAttribution(wDec: Float32Array, acts: Float32Array, dirs: Float32Array, dSae: number, dIn: number): Float32Array {
  if (wDec.length !== dSae * dIn || acts.length !== dSae || dirs.length !== 2 * dIn) {
    throw new RangeError(`featureAttribution: W_dec [${wDec.length}], acts [${acts.length}], dirs [${dirs.length}] do not fit dSae = ${dSae}, dIn = ${dIn}`);
  }
  const out = new Float32Array(2 * dSae);
  for (let f = 0; f < dSae; f++) {
    const a = acts[f];
    if (a === 0) continue;
    let s0 = 0;
    let s1 = 0;
    const o = f * dIn;
    for (let c = 0; c < dIn; c++) {
      s0 += wDec[o + c] * dirs[c];
      s1 += wDec[o + c] * dirs[dIn + c];
    }
    out[f] = a * s0;
    out[dSae + f] = a * s1;
  }
  return out;
}
