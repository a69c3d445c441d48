// CPU twin of shaders/recon_grad.wgsl: the loss gradients at the two reconstructions.
//   g    = dL/dx̂ = 2 (x̂ − x) / M                          (L = Σ‖x − x̂‖² / M)
//   gAux = dL/dê = auxGradScale · (ê − e),  e = x − x̂     (auxCoef · ‖e − ê‖² / varE, e and varE held constant)
// Every operation rounds to float32, as on the GPU.
import { checkLength } from './matmul_bias';

export interface ReconGradInputs {
  x: Float32Array; // [M, d]
  xhat: Float32Array; // [M, d]
  ehat: Float32Array | null; // [M, d]
  M: number;
  d: number;
  /** From lossStats: 2 · auxCoef / varE, or 0. */
  auxGradScale: number;
}

export function reconGrad(inp: ReconGradInputs, g?: Float32Array, gAux?: Float32Array): { g: Float32Array; gAux: Float32Array | null } {
  const { x, xhat, ehat, M, d } = inp;
  const n = M * d;
  checkLength('x', x, n);
  checkLength('xhat', xhat, n);
  const out = g ?? new Float32Array(n);
  checkLength('g', out, n);
  const scale = Math.fround(2 / M);
  for (let i = 0; i < n; i++) out[i] = scale * Math.fround(xhat[i] - x[i]);
  if (!ehat) return { g: out, gAux: null };
  checkLength('ehat', ehat, n);
  const outAux = gAux ?? new Float32Array(n);
  checkLength('gAux', outAux, n);
  const a = Math.fround(inp.auxGradScale);
  for (let i = 0; i < n; i++) outAux[i] = a * Math.fround(ehat[i] - Math.fround(x[i] - xhat[i]));
  return { g: out, gAux: outAux };
}
