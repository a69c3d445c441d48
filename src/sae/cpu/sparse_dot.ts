// CPU twin of shaders/sparse_dot.wgsl: the gradient at the selected pre-activations.
//   dpre[m, j] = vals[m, j] > 0 ? Σ_c g[m, c] · W_dec[idx[m, j], c] : 0
// (dL/dval through the decoder, times the ReLU mask.) The sum runs over c in order with float32 rounding
// after each fused multiply-add, as the shader's fma chain.
import { checkLength } from './matmul_bias';

export interface SparseDotInputs {
  g: Float32Array; // [M, d]
  idx: Uint32Array; // [M, k]
  vals: Float32Array; // [M, k]
  wDec: Float32Array; // [dSae, d]
  M: number;
  k: number;
  dSae: number;
  d: number;
}

export function sparseDot(inp: SparseDotInputs, out?: Float32Array): Float32Array {
  const { g, idx, vals, wDec, M, k, dSae, d } = inp;
  checkLength('g', g, M * d);
  checkLength('idx', idx, M * k);
  checkLength('vals', vals, M * k);
  checkLength('wDec', wDec, dSae * d);
  const res = out ?? new Float32Array(M * k);
  checkLength('out', res, M * k);
  for (let m = 0; m < M; m++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      if (vals[m * k + j] > 0) {
        const w = idx[m * k + j] * d;
        for (let c = 0; c < d; c++) s = Math.fround(s + g[m * d + c] * wDec[w + c]);
      }
      res[m * k + j] = s;
    }
  }
  return res;
}
