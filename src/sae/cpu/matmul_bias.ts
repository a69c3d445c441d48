// CPU twin of shaders/matmul_bias.wgsl: C[M, N] = op(A − sub) · op(B) + bias[N], row-major float32, op the
// identity or (transA / transB) the transpose of the stored matrix. Also the dense encoder of the CPU SAE
// trainers and the dense products of the standard SAE's backward pass. Sums run over k in order (as the shader's
// fma chain), each step rounded to float32, then the bias is added. Loop orders stream memory: i-k-j (a row of
// op(B) and a row of C) unless B is transposed, then i-j-k (a row of A and a stored row of B per dot product).

export interface MatmulBiasShape {
  M: number;
  K: number;
  N: number;
}

export interface MatmulBiasInputs extends MatmulBiasShape {
  a: Float32Array; // [M, K]  ([K, M] when transA)
  b: Float32Array; // [K, N]  ([N, K] when transB)
  /** [N]; omit (or null) for none. */
  bias?: Float32Array | null;
  /** Subtracted from every stored row of `a` before the product (x − b_dec): [K], [M] when transA; omit for none. */
  sub?: Float32Array | null;
  transA?: boolean;
  transB?: boolean;
}

/** Returns C [M, N] (written into `out` when given). */
export function matmulBias(inp: MatmulBiasInputs, out?: Float32Array): Float32Array {
  const { a, b, M, K, N } = inp;
  const bias = inp.bias ?? null;
  const sub = inp.sub ?? null;
  const transA = inp.transA ?? false;
  checkLength('a', a, M * K);
  checkLength('b', b, K * N);
  if (bias) checkLength('bias', bias, N);
  if (sub) checkLength('sub', sub, transA ? M : K);
  const c = out ?? new Float32Array(M * N);
  checkLength('out', c, M * N);
  // op(A − sub)[i, k], rounded to float32 as the shader stages it.
  const aAt = transA
    ? (i: number, k: number) => (sub ? Math.fround(a[k * M + i] - sub[i]) : a[k * M + i])
    : (i: number, k: number) => (sub ? Math.fround(a[i * K + k] - sub[k]) : a[i * K + k]);

  if (inp.transB) {
    const aRow = new Float32Array(K);
    for (let i = 0; i < M; i++) {
      for (let k = 0; k < K; k++) aRow[k] = aAt(i, k);
      for (let j = 0; j < N; j++) {
        let acc = 0;
        const bOff = j * K;
        for (let k = 0; k < K; k++) acc = Math.fround(acc + aRow[k] * b[bOff + k]);
        c[i * N + j] = bias ? acc + bias[j] : acc;
      }
    }
    return c;
  }
  for (let i = 0; i < M; i++) {
    const cRow = c.subarray(i * N, (i + 1) * N);
    cRow.fill(0);
    for (let k = 0; k < K; k++) {
      const av = aAt(i, k);
      const bOff = k * N;
      for (let j = 0; j < N; j++) cRow[j] += av * b[bOff + j];
    }
    if (bias) for (let j = 0; j < N; j++) cRow[j] += bias[j];
  }
  return c;
}

export function checkLength(name: string, arr: ArrayLike<number>, want: number): void {
  if (arr.length !== want) throw new RangeError(`${name}: length ${arr.length}, expected ${want}`);
}
