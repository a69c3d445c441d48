// Launcher for shaders/mask_dead.wgsl: AuxK candidates, pre where the latent is dead else −∞.
// CPU twin: src/sae/cpu/mask_dead.ts.
import source from '../../../shaders/mask_dead.wgsl?raw';
import { type Kernel, runKernel } from '../kernel';
import { flatGrid } from './common';

export interface MaskDeadParams {
  M: number;
  N: number;
  deadTokens: number;
  maxGridDim?: number;
}

export interface MaskDeadBuffers {
  pre: GPUBuffer; // [M, N] f32
  sinceFired: GPUBuffer; // [N] u32
  out: GPUBuffer; // [M, N] f32
}

const WG = 256;

export function maskDeadKernel(p: MaskDeadParams): Kernel {
  return {
    name: 'mask_dead',
    source,
    storage: [
      { name: 'pre', access: 'read' },
      { name: 'sinceFired', access: 'read' },
      { name: 'out', access: 'read_write' },
    ],
    uniforms: [
      { name: 'total', type: 'u32' },
      { name: 'N', type: 'u32' },
      { name: 'deadTokens', type: 'u32' },
    ],
    workgroupSize: [WG, 1, 1],
    constants: {},
    dispatch: flatGrid(p.M * p.N, WG, p.maxGridDim),
  };
}

export function maskDead(device: GPUDevice, p: MaskDeadParams, bufs: MaskDeadBuffers, encoder?: GPUCommandEncoder): void {
  const deadTokens = Math.min(p.deadTokens, 0xffffffff);
  runKernel(device, maskDeadKernel(p), { ...bufs }, { total: p.M * p.N, N: p.N, deadTokens }, encoder);
}
