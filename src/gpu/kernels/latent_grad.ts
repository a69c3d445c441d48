// Launcher for shaders/latent_grad.wgsl (out [dSae, d]: dW_dec) and shaders/enc_grad.wgsl (transposed, out
// [d, dSae]: dW_encᵀ + db_enc, tiled for coalesced writes): per-latent gathers of coef · (a − sub) over the rows
// in the bitmap. CPU twin of both: src/sae/cpu/latent_grad.ts.
import encKernelSource from '../../../shaders/enc_grad.wgsl?raw';
import kernelSource from '../../../shaders/latent_grad.wgsl?raw';
import slotLookup from '../../../shaders/lib/slot_lookup.wgsl?raw';
import { type Kernel, dispatch2d, runKernel } from '../kernel';
import { scratchBuffer } from './common';
import { bitmapWords } from './latent_bitmap';

// The shared slot lookup after each kernel, so compile errors keep the kernel file's line numbers.
const source = `${kernelSource}\n${slotLookup}`;
const encSource = `${encKernelSource}\n${slotLookup}`;

export interface LatentGradParams {
  M: number;
  k: number;
  dSae: number;
  d: number;
  /** out is [d, dSae] (W_enc's layout). */
  transposed: boolean;
  /** Add to out (and sums) instead of overwriting. */
  accumulate: boolean;
  /** Threads per workgroup of latent_grad; each takes 4 columns. Default 64 (enc_grad's is fixed at 256). */
  workgroup?: number;
  maxGridDim?: number;
}

export interface LatentGradBuffers {
  bits: GPUBuffer; // [dSae, ⌈M / 32⌉] u32 from latentBitmap
  /** [M, k] u32: the selection as (latent << 10) | slot sorted per row (topk_rows' byLatent output). */
  byLatent: GPUBuffer;
  coef: GPUBuffer; // [M, k] f32
  a: GPUBuffer; // [M, d] f32
  sub?: GPUBuffer; // [d] f32
  out: GPUBuffer; // [dSae, d] or [d, dSae] f32
  sums?: GPUBuffer; // [dSae] f32
}

const COLS = 4;
/** enc_grad's tile: latents × columns per workgroup of 256 threads. */
const ENC_TILE = { latents: 16, cols: 64 };

export function latentGradKernel(p: LatentGradParams & { hasSub: boolean; writeSums: boolean }): Kernel {
  if (p.transposed) return encGradKernel(p);
  const wg = p.workgroup ?? 64;
  const [y, z] = dispatch2d(p.dSae, p.maxGridDim);
  return {
    name: 'latent_grad',
    source,
    ...BINDINGS,
    workgroupSize: [wg, 1, 1],
    constants: { ACCUMULATE: p.accumulate, HAS_SUB: p.hasSub, WRITE_SUMS: p.writeSums },
    dispatch: [Math.ceil(p.d / (wg * COLS)), y, z],
  };
}

/** The buffers and uniforms of both gathers (latent_grad.wgsl and enc_grad.wgsl bind the same ones). */
const BINDINGS: Pick<Kernel, 'storage' | 'uniforms'> = {
  storage: [
    { name: 'bits', access: 'read' },
    { name: 'byLatent', access: 'read' },
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
};

/** shaders/enc_grad.wgsl: the transposed gather, one workgroup per (column tile, latent tile). */
function encGradKernel(p: LatentGradParams & { hasSub: boolean; writeSums: boolean }): Kernel {
  const [y, z] = dispatch2d(Math.ceil(p.dSae / ENC_TILE.latents), p.maxGridDim);
  return {
    name: 'enc_grad',
    source: encSource,
    ...BINDINGS,
    workgroupSize: [256, 1, 1],
    constants: { ACCUMULATE: p.accumulate, HAS_SUB: p.hasSub, WRITE_SUMS: p.writeSums },
    dispatch: [Math.ceil(p.d / ENC_TILE.cols), y, z],
  };
}

export function latentGrad(device: GPUDevice, p: LatentGradParams, bufs: LatentGradBuffers, encoder?: GPUCommandEncoder): void {
  const kernel = latentGradKernel({ ...p, hasSub: !!bufs.sub, writeSums: !!bufs.sums });
  runKernel(
    device,
    kernel,
    {
      bits: bufs.bits,
      byLatent: bufs.byLatent,
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
