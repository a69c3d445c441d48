// CPU twin of shaders/dec_norm_grad.wgsl: adds d/dW_dec of the decoder-norm-weighted L1 term, in place:
//   grad[j] += scale · sum[j] / ‖W_dec[j]‖ · W_dec[j]        scale = λ / M, sum[j] = Σ_i acts_ij
// (all-zero rows get nothing: the norm's subgradient 0). Float32 rounding per op.
import { checkLength } from './matmul_bias';

export function decNormGrad(grad: Float32Array, wDec: Float32Array, sum: Float32Array, norms: Float32Array, dSae: number, d: number, scale: number): void {
  checkLength('grad', grad, dSae * d);
  checkLength('wDec', wDec, dSae * d);
  checkLength('sum', sum, dSae);
  checkLength('norms', norms, dSae);
  const f = Math.fround;
  const s = f(scale);
  for (let j = 0; j < dSae; j++) {
    if (!(norms[j] > 0)) continue;
    const coef = f(f(s * sum[j]) / norms[j]);
    for (let c = 0; c < d; c++) grad[j * d + c] = f(grad[j * d + c] + f(coef * wDec[j * d + c]));
  }
}
