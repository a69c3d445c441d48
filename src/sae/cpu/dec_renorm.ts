// CPU twin of shaders/dec_renorm.wgsl: scales every decoder row to unit L2 norm (rows that are all zero stay).
import { checkLength } from './matmul_bias';

export function decRenorm(wDec: Float32Array, dSae: number, d: number): void {
  checkLength('wDec', wDec, dSae * d);
  for (let l = 0; l < dSae; l++) {
    const o = l * d;
    let nn = 0;
    for (let c = 0; c < d; c++) nn += wDec[o + c] * wDec[o + c];
    if (!(nn > 0)) continue;
    const n = Math.fround(Math.sqrt(nn));
    for (let c = 0; c < d; c++) wDec[o + c] = wDec[o + c] / n;
  }
}
