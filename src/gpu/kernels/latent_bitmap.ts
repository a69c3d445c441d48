// Launcher for shaders/latent_bitmap.wgsl: clears `bits` and sets bit (l, m) for every slot with a positive value.
// CPU twin: src/sae/cpu/latent_bitmap.ts.
import source from '../../../shaders/latent_bitmap.wgsl?raw';
import { type Kernel, runKernel } from '../kernel';
import { flatGrid } from './common';

export interface LatentBitmapParams {
  M: number;
  k: number;
  dSae: number;
  maxGridDim?: number;
}

export interface LatentBitmapBuffers {
  idx: GPUBuffer; // [M, k] u32
  vals: GPUBuffer; // [M, k] f32
  bits: GPUBuffer; // [dSae, ⌈M / 32⌉] u32
}

const WG = 256;

/** u32 words per latent. */
export const bitmapWords = (M: number): number => Math.ceil(M / 32);

/** Bytes of the bitmap buffer. */
export const bitmapBytes = (M: number, dSae: number): number => dSae * bitmapWords(M) * 4;

export function latentBitmapKernel(p: LatentBitmapParams): Kernel {
  return {
    name: 'latent_bitmap',
    source,
    storage: [
      { name: 'idx', access: 'read' },
      { name: 'vals', access: 'read' },
      { name: 'bits', access: 'read_write' },
    ],
    uniforms: [
      { name: 'total', type: 'u32' },
      { name: 'k', type: 'u32' },
      { name: 'words', type: 'u32' },
    ],
    workgroupSize: [WG, 1, 1],
    constants: {},
    dispatch: flatGrid(p.M * p.k, WG, p.maxGridDim),
  };
}

export function latentBitmap(device: GPUDevice, p: LatentBitmapParams, bufs: LatentBitmapBuffers, encoder?: GPUCommandEncoder): void {
  const enc = encoder ?? device.createCommandEncoder({ label: 'latent_bitmap' });
  enc.clearBuffer(bufs.bits, 0, bitmapBytes(p.M, p.dSae));
  runKernel(device, latentBitmapKernel(p), { ...bufs }, { total: p.M * p.k, k: p.k, words: bitmapWords(p.M) }, enc);
  if (!encoder) device.queue.submit([enc.finish()]);
}
