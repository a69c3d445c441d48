// CPU twin-to-be of a jumprelu_grad WGSL kernel: dL/dpre of the JumpReLU SAE from dL/dacts (the reconstruction
// term, g · W_decᵀ), in place over [M, N], and per latent j the column sums the rest of the backward needs.
// Per entry (z = pre[i, j], θ = θ_j, n = ‖W_dec[j]‖, G = dL/dacts[i, j], a = z · [z > θ]):
//   K = rectangle((z − θ) / ε) = [−½ < (z − θ) / ε < ½]                       (SAELens' rectangle kernel)
//   'tanh' sparsity (Anthropic): t = tanh(c · a · n), L0 term t;  G += s0 · c · n · (1 − t²);  dn += s0 · c · a · (1 − t²)
//   'step' sparsity (DeepMind): L0 term [z > θ];  dθ += −(s0 / ε) · K           (Step: no gradient into z)
//   JumpReLU:   dpre = [z > θ] · G;  dθ += −(θ / ε) · K · G                     (the paper's pseudo-derivative)
//   pre-act (latent j dead, r = θ − z > 0): term r · n;  dpre −= sp · n;  dθ += sp · n;  dn += sp · r
// with s0 = λ_t / M (the L0 coefficient after warm-up over the batch) and sp = pre_act_loss_coefficient / M.
// Column sums in float64 (the shader reduces row groups: a difference of rounding only).
import { checkLength } from './matmul_bias';

export type SparsityLossMode = 'step' | 'tanh';

export interface JumpReluGradInputs {
  grad: Float32Array; //            [M, N] dL/dacts in, dL/dpre out
  pre: Float32Array; //             [M, N]
  theta: Float32Array; //           [N] thresholds (positive)
  norms: Float32Array; //           [N] ‖W_dec[j]‖
  dead: Uint8Array | null; //       [N] 1 where latent j is dead (pre-act loss only)
  M: number;
  N: number;
  mode: SparsityLossMode;
  bandwidth: number; //             ε
  tanhScale: number; //             c ('tanh' only)
  l0Scale: number; //               s0 = λ_t / M
  preActScale: number; //           sp = pre_act_loss_coefficient / M (0: off)
}

export interface JumpReluGradSums {
  dTheta: Float32Array; //    [N] dL/dθ_j (the pseudo-derivative)
  normCoef: Float32Array; //  [N] dL/d‖W_dec[j]‖ from the sparsity and pre-act terms
  l0Sum: Float32Array; //     [N] Σ_i L0 term (step: firing count; tanh: Σ tanh(c a n))
  preActSum: Float32Array; // [N] Σ_i relu(θ − z) · n over dead latents
}

export function jumpreluGrad(inp: JumpReluGradInputs): JumpReluGradSums {
  const { grad, pre, theta, norms, dead, M, N, mode, bandwidth: eps, tanhScale: c, l0Scale: s0, preActScale: sp } = inp;
  checkLength('grad', grad, M * N);
  checkLength('pre', pre, M * N);
  checkLength('theta', theta, N);
  checkLength('norms', norms, N);
  if (dead) checkLength('dead', dead, N);
  const dTheta = new Float64Array(N);
  const normCoef = new Float64Array(N);
  const l0Sum = new Float64Array(N);
  const preActSum = new Float64Array(N);
  const tanh = mode === 'tanh';
  for (let i = 0; i < M; i++) {
    const o = i * N;
    for (let j = 0; j < N; j++) {
      const z = pre[o + j];
      const th = theta[j];
      const n = norms[j];
      const on = z > th;
      const u = (z - th) / eps;
      const inWindow = u > -0.5 && u < 0.5;
      let G = grad[o + j];
      if (tanh) {
        const a = on ? z : 0;
        const t = Math.tanh(c * a * n);
        const sech2 = 1 - t * t;
        l0Sum[j] += t;
        G += s0 * c * n * sech2;
        normCoef[j] += s0 * c * a * sech2;
      } else {
        if (on) l0Sum[j] += 1;
        if (inWindow) dTheta[j] -= s0 / eps;
      }
      let dpre = on ? G : 0;
      if (inWindow) dTheta[j] -= (th / eps) * G;
      if (sp > 0 && dead && dead[j] && th - z > 0) {
        preActSum[j] += (th - z) * n;
        dpre -= sp * n;
        dTheta[j] += sp * n;
        normCoef[j] += sp * (th - z);
      }
      grad[o + j] = dpre;
    }
  }
  return { dTheta: Float32Array.from(dTheta), normCoef: Float32Array.from(normCoef), l0Sum: Float32Array.from(l0Sum), preActSum: Float32Array.from(preActSum) };
}
