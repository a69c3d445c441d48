// CPU twin of shaders/dec_grad_project.wgsl: keeps decoder rows on the unit sphere to first order by removing
// from each row's gradient its component along the row: g_l ← g_l − (g_l·w_l / ‖w_l‖²) w_l (rows that are all
// zero are left alone). Run before the optimiser step; ./dec_renorm.ts after it.
import { checkLength } from './matmul_bias';

export function decGradProject(grad: Float32Array, wDec: Float32Array, dSae: number, d: number): void {
  checkLength('grad', grad, dSae * d);
  checkLength('wDec', wDec, dSae * d);
  for (let l = 0; l < dSae; l++) {
    const o = l * d;
    let dot = 0;
    let nn = 0;
    for (let c = 0; c < d; c++) {
      dot += grad[o + c] * wDec[o + c];
      nn += wDec[o + c] * wDec[o + c];
    }
    if (!(nn > 0)) continue;
    const f = Math.fround(dot / nn);
    for (let c = 0; c < d; c++) grad[o + c] = grad[o + c] - f * wDec[o + c];
  }
}
