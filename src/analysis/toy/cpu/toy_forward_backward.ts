// CPU twin of shaders/toy_forward_backward.wgsl: the toy model of superposition's forward pass and the
// per-row half of its backward pass, one batch row at a time (sums in float64).
//   h = W x            x' = ReLU(Wᵀ h + b)          rowLoss = Σ_i I_i (x_i − x'_i)² / B
//   dy_i = [Wᵀh + b > 0]_i · 2 I_i (x'_i − x_i) / B   (dL/d pre-activation)
//   dh = W dy
// The batch sums that turn these into dW, db and the loss are ./toy_grad_reduce.ts.
// params packs W [m, n] then b [n] (the layout the trainer and the Adam kernel share).

export interface ToyShape {
  /** Rows in the batch. */
  B: number;
  /** Features. */
  n: number;
  /** Hidden dimensions. */
  m: number;
}

export interface ToyRowGrads {
  h: Float64Array; //       [B, m]
  dy: Float64Array; //      [B, n]
  dh: Float64Array; //      [B, m]
  rowLoss: Float64Array; // [B]
}

/** The length of the packed parameter vector: W [m, n] then b [n]. */
export function toyParamCount(n: number, m: number): number {
  return m * n + n;
}

export function checkToyLength(name: string, a: ArrayLike<number>, want: number): void {
  if (a.length !== want) throw new RangeError(`toy model: ${name} has ${a.length} values, expected ${want}`);
}

export function toyForwardBackward(params: ArrayLike<number>, x: ArrayLike<number>, importance: ArrayLike<number>, s: ToyShape): ToyRowGrads {
  const { B, n, m } = s;
  checkToyLength('params', params, toyParamCount(n, m));
  checkToyLength('x', x, B * n);
  checkToyLength('importance', importance, n);
  const bOff = m * n;
  const h = new Float64Array(B * m);
  const dy = new Float64Array(B * n);
  const dh = new Float64Array(B * m);
  const rowLoss = new Float64Array(B);
  for (let r = 0; r < B; r++) {
    for (let j = 0; j < m; j++) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += params[j * n + i] * x[r * n + i];
      h[r * m + j] = acc;
    }
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let y = params[bOff + i];
      for (let j = 0; j < m; j++) y += params[j * n + i] * h[r * m + j];
      const out = Math.max(y, 0);
      const e = out - x[r * n + i];
      loss += importance[i] * e * e;
      dy[r * n + i] = y > 0 ? (2 * importance[i] * e) / B : 0;
    }
    rowLoss[r] = loss / B;
    for (let j = 0; j < m; j++) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += params[j * n + i] * dy[r * n + i];
      dh[r * m + j] = acc;
    }
  }
  return { h, dy, dh, rowLoss };
}
