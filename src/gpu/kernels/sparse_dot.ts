// Launcher for shaders/sparse_dot.wgsl: dpre[m, j] = [vals > 0] · g[m] · W_dec[idx[m, j]], and with `bits`
// also the latent bitmap of the selection (latent_bitmap fused in: one dispatch fewer).
// CPU twins: src/sae/cpu/sparse_dot.ts, src/sae/cpu/latent_bitmap.ts.
import source from '../../../shaders/sparse_dot.wgsl?raw';
import { type Kernel, runKernel } from '../kernel';
import { flatGrid, scratchBuffer } from './common';
import { bitmapBytes, bitmapWords } from './latent_bitmap';

export interface SparseDotParams {
  M: number;
  k: number;
  d: number;
  /** Latents (the bitmap's rows); needed with bits. */
  dSae?: number;
  maxGridDim?: number;
}

export interface SparseDotBuffers {
  g: GPUBuffer; // [M, d] f32
  idx: GPUBuffer; // [M, k] u32
  vals: GPUBuffer; // [M, k] f32
  wDec: GPUBuffer; // [dSae, d] f32
  dpre: GPUBuffer; // [M, k] f32
  /** [dSae, ⌈M / 32⌉] u32: when given, cleared and set as latent_bitmap would (needs params.dSae). */
  bits?: GPUBuffer;
}

const WG = 64;

export function sparseDotKernel(p: SparseDotParams & { writeBits?: boolean }): Kernel {
  return {
    name: 'sparse_dot',
    source,
    storage: [
      { name: 'g', access: 'read' },
      { name: 'idx', access: 'read' },
      { name: 'vals', access: 'read' },
      { name: 'wDec', access: 'read' },
      { name: 'dpre', access: 'read_write' },
      { name: 'bits', access: 'read_write' },
    ],
    uniforms: [
      { name: 'total', type: 'u32' },
      { name: 'k', type: 'u32' },
      { name: 'd', type: 'u32' },
      { name: 'words', type: 'u32' },
    ],
    workgroupSize: [WG, 1, 1],
    constants: { WRITE_BITS: p.writeBits ?? false },
    dispatch: flatGrid(p.M * p.k, WG, p.maxGridDim),
  };
}

export function sparseDot(device: GPUDevice, p: SparseDotParams, bufs: SparseDotBuffers, encoder?: GPUCommandEncoder): void {
  const writeBits = !!bufs.bits;
  if (writeBits && !(Number.isInteger(p.dSae) && p.dSae! >= 1)) throw new RangeError(`sparse_dot: with bits, dSae = ${p.dSae} must be a positive integer`);
  const enc = encoder ?? device.createCommandEncoder({ label: 'sparse_dot' });
  if (bufs.bits) enc.clearBuffer(bufs.bits, 0, bitmapBytes(p.M, p.dSae!));
  const b = { g: bufs.g, idx: bufs.idx, vals: bufs.vals, wDec: bufs.wDec, dpre: bufs.dpre, bits: bufs.bits ?? scratchBuffer(device) };
  runKernel(device, sparseDotKernel({ ...p, writeBits }), b, { total: p.M * p.k, k: p.k, d: p.d, words: bitmapWords(p.M) }, enc);
  if (!encoder) device.queue.submit([enc.finish()]);
}
