// Launcher for shaders/dec_norm_grad.wgsl: grad[j] += scale · sum[j] / ‖W_dec[j]‖ · W_dec[j], in place.
// CPU twin: src/sae/cpu/dec_norm_grad.ts.
import source from '../../../shaders/dec_norm_grad.wgsl?raw';
import { type Kernel, runKernel } from '../kernel';
import { flatGrid } from './common';

export interface DecNormGradParams {
  dSae: number;
  d: number;
  /** λ / M. */
  scale: number;
  maxGridDim?: number;
}

export interface DecNormGradBuffers {
  wDec: GPUBuffer; // [dSae, d] f32
  sum: GPUBuffer; // [dSae] f32, Σ_i acts_ij
  norms: GPUBuffer; // [dSae] f32, ‖W_dec[j]‖
  grad: GPUBuffer; // [dSae, d] f32, accumulated into
}

const WG = 256;

export function decNormGradKernel(p: Omit<DecNormGradParams, 'scale'>): Kernel {
  return {
    name: 'dec_norm_grad',
    source,
    storage: [
      { name: 'wDec', access: 'read' },
      { name: 'sum', access: 'read' },
      { name: 'norms', access: 'read' },
      { name: 'grad', access: 'read_write' },
    ],
    uniforms: [
      { name: 'total', type: 'u32' },
      { name: 'd', type: 'u32' },
      { name: 'scale', type: 'f32' },
    ],
    workgroupSize: [WG, 1, 1],
    constants: {},
    dispatch: flatGrid(p.dSae * p.d, WG, p.maxGridDim),
  };
}

export function decNormGrad(device: GPUDevice, p: DecNormGradParams, bufs: DecNormGradBuffers, encoder?: GPUCommandEncoder): void {
  runKernel(device, decNormGradKernel(p), { ...bufs }, { total: p.dSae * p.d, d: p.d, scale: p.scale }, encoder);
}
