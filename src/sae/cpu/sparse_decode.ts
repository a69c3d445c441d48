// CPU twin of shaders/sparse_decode.wgsl: out[M, d] = b_dec + Σ_j vals[m, j] · W_dec[idx[m, j], :]
// (W_dec [d_sae, d] row-major). The TopK SAE decoder of the CPU trainer. Zero values are skipped, and each
// row starts from b_dec and adds the latents in j order, as the shader does.
import { checkLength } from './matmul_bias';

export interface SparseDecodeShape {
  M: number;
  k: number;
  dSae: number;
  d: number;
}

export interface SparseDecodeInputs extends SparseDecodeShape {
  vals: Float32Array; // [M, k]
  idx: Uint32Array; // [M, k], each < dSae
  wDec: Float32Array; // [dSae, d]
  bDec: Float32Array; // [d]
}

/** Returns out [M, d] (written into `out` when given). */
export function sparseDecode(inp: SparseDecodeInputs, out?: Float32Array): Float32Array {
  const { vals, idx, wDec, bDec, M, k, dSae, d } = inp;
  checkLength('vals', vals, M * k);
  checkLength('idx', idx, M * k);
  checkLength('wDec', wDec, dSae * d);
  checkLength('bDec', bDec, d);
  const res = out ?? new Float32Array(M * d);
  checkLength('out', res, M * d);

  for (let m = 0; m < M; m++) {
    const o = res.subarray(m * d, (m + 1) * d);
    o.set(bDec);
    for (let j = 0; j < k; j++) {
      const v = vals[m * k + j];
      if (v === 0) continue;
      const latent = idx[m * k + j];
      if (latent >= dSae) throw new RangeError(`sparseDecode: idx[${m}, ${j}] = ${latent} ≥ d_sae = ${dSae}`);
      const wOff = latent * d;
      for (let c = 0; c < d; c++) o[c] += v * wDec[wOff + c];
    }
  }
  return res;
}
