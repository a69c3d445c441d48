// Launcher for shaders/latent_grad.wgsl: per-latent gathers of coef · (a − sub) over the rows in the bitmap
// (dW_dec, dW_encᵀ + db_enc). CPU twin: src/sae/cpu/latent_grad.ts.
import source from '../../../shaders/latent_grad.wgsl?raw';
import { type Kernel, dispatch2d, runKernel } from '../kernel';
import { scratchBuffer } from './common';
import { bitmapWords } from './latent_bitmap';

export interface LatentGradParams {
  M: number;
  k: number;
  dSae: number;
  d: number;
  /** out is [d, dSae] (W_enc's layout). */
  transposed: boolean;
  /** Add to out (and sums) instead of overwriting. */
  accumulate: boolean;
  /** Threads per workgroup; each takes 4 columns. Default 64. */
  workgroup?: number;
  maxGridDim?: number;
}

export interface LatentGradBuffers {
  bits: GPUBuffer; // [dSae, ⌈M / 32⌉] u32 from latentBitmap
  idx: GPUBuffer; // [M, k] u32
  coef: GPUBuffer; // [M, k] f32
  a: GPUBuffer; // [M, d] f32
  sub?: GPUBuffer; // [d] f32
  out: GPUBuffer; // [dSae, d] or [d, dSae] f32
  sums?: GPUBuffer; // [dSae] f32
}

const COLS = 4;

export function latentGradKernel(p: LatentGradParams & { hasSub: boolean; writeSums: boolean }): Kernel {
  const wg = p.workgroup ?? 64;
  const [y, z] = dispatch2d(p.dSae, p.maxGridDim);
  return {
    name: 'latent_grad',
    source,
    storage: [
      { name: 'bits', access: 'read' },
      { name: 'idx', access: 'read' },
      { name: 'coef', access: 'read' },
      { name: 'a', access: 'read' },
      { name: 'sub', access: 'read' },
      { name: 'out', access: 'read_write' },
      { name: 'sums', access: 'read_write' },
    ],
    uniforms: [
      { name: 'k', type: 'u32' },
      { name: 'dSae', type: 'u32' },
      { name: 'd', type: 'u32' },
      { name: 'words', type: 'u32' },
    ],
    workgroupSize: [wg, 1, 1],
    constants: { TRANSPOSED: p.transposed, ACCUMULATE: p.accumulate, HAS_SUB: p.hasSub, WRITE_SUMS: p.writeSums },
    dispatch: [Math.ceil(p.d / (wg * COLS)), y, z],
  };
}

export function latentGrad(device: GPUDevice, p: LatentGradParams, bufs: LatentGradBuffers, encoder?: GPUCommandEncoder): void {
  const kernel = latentGradKernel({ ...p, hasSub: !!bufs.sub, writeSums: !!bufs.sums });
  runKernel(
    device,
    kernel,
    {
      bits: bufs.bits,
      idx: bufs.idx,
      coef: bufs.coef,
      a: bufs.a,
      sub: bufs.sub ?? bufs.a,
      out: bufs.out,
      sums: bufs.sums ?? scratchBuffer(device),
    },
    { k: p.k, dSae: p.dSae, d: p.d, words: bitmapWords(p.M) },
    encoder,
  );
}
