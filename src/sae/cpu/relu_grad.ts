// CPU twin of shaders/relu_grad.wgsl: dL/dpre of the standard SAE from dL/dacts, in place over [M, N]:
//   grad[i, j] ← acts[i, j] > 0 ? grad[i, j] + scale · norms[j] : 0        scale = λ / M
// (the ReLU mask on the reconstruction term plus the decoder-norm-weighted L1 term). Float32 rounding per op.
import { checkLength } from './matmul_bias';

export function reluGrad(grad: Float32Array, acts: Float32Array, norms: Float32Array, M: number, N: number, scale: number): void {
  checkLength('grad', grad, M * N);
  checkLength('acts', acts, M * N);
  checkLength('norms', norms, N);
  const f = Math.fround;
  const s = f(scale);
  for (let i = 0; i < M; i++) {
    const o = i * N;
    for (let j = 0; j < N; j++) grad[o + j] = acts[o + j] > 0 ? f(grad[o + j] + f(s * norms[j])) : 0;
  }
}
