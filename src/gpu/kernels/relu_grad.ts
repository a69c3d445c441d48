// Launcher for shaders/relu_grad.wgsl: grad ← [acts > 0] · (grad + scale · norms[col]) in place over [M, N].
// CPU twin: src/sae/cpu/relu_grad.ts.
import source from '../../../shaders/relu_grad.wgsl?raw';
import { type Kernel, runKernel } from '../kernel';
import { flatGrid } from './common';

export interface ReluGradParams {
  M: number;
  N: number;
  /** λ / M: the L1 term's weight per row. */
  scale: number;
  maxGridDim?: number;
}

export interface ReluGradBuffers {
  acts: GPUBuffer; // [M, N] f32
  norms: GPUBuffer; // [N] f32
  grad: GPUBuffer; // [M, N] f32, dL/dacts in, dL/dpre out
}

const WG = 256;

export function reluGradKernel(p: Omit<ReluGradParams, 'scale'>): Kernel {
  return {
    name: 'relu_grad',
    source,
    storage: [
      { name: 'acts', access: 'read' },
      { name: 'norms', access: 'read' },
      { name: 'grad', access: 'read_write' },
    ],
    uniforms: [
      { name: 'total', type: 'u32' },
      { name: 'N', type: 'u32' },
      { name: 'scale', type: 'f32' },
    ],
    workgroupSize: [WG, 1, 1],
    constants: {},
    dispatch: flatGrid(p.M * p.N, WG, p.maxGridDim),
  };
}

export function reluGrad(device: GPUDevice, p: ReluGradParams, bufs: ReluGradBuffers, encoder?: GPUCommandEncoder): void {
  runKernel(device, reluGradKernel(p), { ...bufs }, { total: p.M * p.N, N: p.N, scale: p.scale }, encoder);
}
