// CPU twin of shaders/toy_grad_reduce.wgsl: the batch sums of the toy model's backward pass, in row order.
//   dW[j, i] = Σ_rows h_j dy_i + dh_j x_i      (decoder use of W, then encoder use)
//   db_i     = Σ_rows dy_i
//   loss     = Σ_rows rowLoss
// grad packs dW [m, n] then db [n], like the parameters.
import { type ToyRowGrads, type ToyShape, checkToyLength, toyParamCount } from './toy_forward_backward';

export interface ToyGrad {
  grad: Float64Array; // [m·n + n]
  loss: number;
}

export function toyGradReduce(rows: ToyRowGrads, x: ArrayLike<number>, s: ToyShape): ToyGrad {
  const { B, n, m } = s;
  checkToyLength('x', x, B * n);
  checkToyLength('h', rows.h, B * m);
  checkToyLength('dy', rows.dy, B * n);
  checkToyLength('dh', rows.dh, B * m);
  checkToyLength('rowLoss', rows.rowLoss, B);
  const { h, dy, dh } = rows;
  const grad = new Float64Array(toyParamCount(n, m));
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let r = 0; r < B; r++) acc += h[r * m + j] * dy[r * n + i] + dh[r * m + j] * x[r * n + i];
      grad[j * n + i] = acc;
    }
  }
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let r = 0; r < B; r++) acc += dy[r * n + i];
    grad[m * n + i] = acc;
  }
  let loss = 0;
  for (let r = 0; r < B; r++) loss += rows.rowLoss[r];
  return { grad, loss };
}
