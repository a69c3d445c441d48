// Launcher for shaders/dead_update.wgsl: sinceFired[l] = 0 if latent l is in the bitmap, else + M (saturating).
// CPU twin: src/sae/cpu/dead_update.ts.
import source from '../../../shaders/dead_update.wgsl?raw';
import { type Kernel, runKernel } from '../kernel';
import { flatGrid } from './common';
import { bitmapWords } from './latent_bitmap';

export interface DeadUpdateParams {
  M: number;
  dSae: number;
  maxGridDim?: number;
}

export interface DeadUpdateBuffers {
  bits: GPUBuffer; // [dSae, ⌈M / 32⌉] u32 from latentBitmap (the main top-k)
  sinceFired: GPUBuffer; // [dSae] u32
}

const WG = 256;

export function deadUpdateKernel(p: DeadUpdateParams): Kernel {
  return {
    name: 'dead_update',
    source,
    storage: [
      { name: 'bits', access: 'read' },
      { name: 'sinceFired', access: 'read_write' },
    ],
    uniforms: [
      { name: 'dSae', type: 'u32' },
      { name: 'words', type: 'u32' },
      { name: 'M', type: 'u32' },
    ],
    workgroupSize: [WG, 1, 1],
    constants: {},
    dispatch: flatGrid(p.dSae, WG, p.maxGridDim),
  };
}

export function deadUpdate(device: GPUDevice, p: DeadUpdateParams, bufs: DeadUpdateBuffers, encoder?: GPUCommandEncoder): void {
  runKernel(device, deadUpdateKernel(p), { ...bufs }, { dSae: p.dSae, words: bitmapWords(p.M), M: p.M }, encoder);
}
