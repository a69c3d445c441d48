// CPU twin of shaders/matmul_bias.wgsl: C[M, N] = (A[M, K] - sub[K]) · B[K, N] + bias[N], row-major float32.
// Also the dense encoder of the CPU SAE trainer. Loop order i-k-j: the inner loop streams a row of B and a
// row of C. Sums run over k in order (as the shader's fma chain), then the bias is added.

export interface MatmulBiasShape {
  M: number;
  K: number;
  N: number;
}

export interface MatmulBiasInputs extends MatmulBiasShape {
  a: Float32Array; // [M, K]
  b: Float32Array; // [K, N]
  bias: Float32Array; // [N]
  /** Subtracted from every row of `a` before the product (x − b_dec); omit for none. */
  sub?: Float32Array | null; // [K]
}

/** Returns C [M, N] (written into `out` when given). */
export function matmulBias(inp: MatmulBiasInputs, out?: Float32Array): Float32Array {
  const { a, b, bias, M, K, N } = inp;
  const sub = inp.sub ?? null;
  checkLength('a', a, M * K);
  checkLength('b', b, K * N);
  checkLength('bias', bias, N);
  if (sub) checkLength('sub', sub, K);
  const c = out ?? new Float32Array(M * N);
  checkLength('out', c, M * N);

  for (let i = 0; i < M; i++) {
    const cRow = c.subarray(i * N, (i + 1) * N);
    cRow.fill(0);
    const aOff = i * K;
    for (let k = 0; k < K; k++) {
      const av = sub ? Math.fround(a[aOff + k] - sub[k]) : a[aOff + k];
      const bOff = k * N;
      for (let j = 0; j < N; j++) cRow[j] += av * b[bOff + j];
    }
    for (let j = 0; j < N; j++) cRow[j] += bias[j];
  }
  return c;
}

export function checkLength(name: string, arr: ArrayLike<number>, want: number): void {
  if (arr.length !== want) throw new RangeError(`${name}: length ${arr.length}, expected ${want}`);
}
