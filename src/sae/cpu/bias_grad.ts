// CPU twin of shaders/bias_grad.wgsl: the decoder-bias gradient. b_dec enters twice, x̂ = ... + b_dec and
// pre = (x − b_dec) · W_enc + b_enc, so
//   out[c] (+)= Σ_m ( g[m, c] − Σ_j dpre[m, j] · W_enc[c, idx[m, j]] )
// g = dL/dx̂ (null for the AuxK term, whose ê has no b_dec). Per row the slots are subtracted in j order with
// float32 rounding (the shader's fma chain); the rows are summed in float64 here (a tree on the GPU).
import { checkLength } from './matmul_bias';

export interface BiasGradInputs {
  g: Float32Array | null; // [M, d]
  dpre: Float32Array; // [M, k]
  idx: Uint32Array; // [M, k]
  wEnc: Float32Array; // [d, dSae]
  M: number;
  k: number;
  dSae: number;
  d: number;
  accumulate: boolean;
}

export function biasGrad(inp: BiasGradInputs, out: Float32Array): void {
  const { g, dpre, idx, wEnc, M, k, dSae, d } = inp;
  if (g) checkLength('g', g, M * d);
  checkLength('dpre', dpre, M * k);
  checkLength('idx', idx, M * k);
  checkLength('wEnc', wEnc, d * dSae);
  checkLength('out', out, d);
  for (let c = 0; c < d; c++) {
    let s = 0;
    for (let m = 0; m < M; m++) {
      let t = g ? g[m * d + c] : 0;
      for (let j = 0; j < k; j++) t = Math.fround(t - dpre[m * k + j] * wEnc[c * dSae + idx[m * k + j]]);
      s += t;
    }
    out[c] = inp.accumulate ? out[c] + s : s;
  }
}
