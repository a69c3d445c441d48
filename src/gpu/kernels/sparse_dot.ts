// Launcher for shaders/sparse_dot.wgsl: dpre[m, j] = [vals > 0] · g[m] · W_dec[idx[m, j]].
// CPU twin: src/sae/cpu/sparse_dot.ts.
import source from '../../../shaders/sparse_dot.wgsl?raw';
import { type Kernel, runKernel } from '../kernel';
import { flatGrid } from './common';

export interface SparseDotParams {
  M: number;
  k: number;
  d: number;
  maxGridDim?: number;
}

export interface SparseDotBuffers {
  g: GPUBuffer; // [M, d] f32
  idx: GPUBuffer; // [M, k] u32
  vals: GPUBuffer; // [M, k] f32
  wDec: GPUBuffer; // [dSae, d] f32
  dpre: GPUBuffer; // [M, k] f32
}

const WG = 64;

export function sparseDotKernel(p: SparseDotParams): Kernel {
  return {
    name: 'sparse_dot',
    source,
    storage: [
      { name: 'g', access: 'read' },
      { name: 'idx', access: 'read' },
      { name: 'vals', access: 'read' },
      { name: 'wDec', access: 'read' },
      { name: 'dpre', access: 'read_write' },
    ],
    uniforms: [
      { name: 'total', type: 'u32' },
      { name: 'k', type: 'u32' },
      { name: 'd', type: 'u32' },
    ],
    workgroupSize: [WG, 1, 1],
    constants: {},
    dispatch: flatGrid(p.M * p.k, WG, p.maxGridDim),
  };
}

export function sparseDot(device: GPUDevice, p: SparseDotParams, bufs: SparseDotBuffers, encoder?: GPUCommandEncoder): void {
  runKernel(device, sparseDotKernel(p), { ...bufs }, { total: p.M * p.k, k: p.k, d: p.d }, encoder);
}
