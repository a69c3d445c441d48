// CPU twin of shaders/dense_bias_grad.wgsl: dL/db_dec of the standard SAE,
//   db_dec[c] = gSum[c] − Σ_j W_enc[c, j] · dbEnc[j]
// (gSum = Σ_i dL/dx̂_i through x̂'s bias, dbEnc = Σ_i dL/dpre_i through the encoder's input x − b_dec).
// Dot products in float64.
import { checkLength } from './matmul_bias';

export function denseBiasGrad(gSum: Float32Array, wEnc: Float32Array, dbEnc: Float32Array, d: number, dSae: number): Float32Array {
  checkLength('gSum', gSum, d);
  checkLength('wEnc', wEnc, d * dSae);
  checkLength('dbEnc', dbEnc, dSae);
  const out = new Float32Array(d);
  for (let c = 0; c < d; c++) {
    let s = 0;
    for (let j = 0; j < dSae; j++) s += wEnc[c * dSae + j] * dbEnc[j];
    out[c] = gSum[c] - s;
  }
  return out;
}
