// CPU twin of shaders/row_norms.wgsl: norms[r] = ‖W[r]‖ for W [rows, cols] (the decoder-row norms that weight
// the standard SAE's L1 term). Sums of squares in float64.
import { checkLength } from './matmul_bias';

export function rowNorms(w: Float32Array, rows: number, cols: number): Float32Array {
  checkLength('w', w, rows * cols);
  const norms = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let nn = 0;
    for (let c = 0; c < cols; c++) nn += w[r * cols + c] ** 2;
    norms[r] = Math.sqrt(nn);
  }
  return norms;
}
