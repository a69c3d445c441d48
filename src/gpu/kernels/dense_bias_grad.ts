// Launcher for shaders/dense_bias_grad.wgsl: db_dec = gSum − W_enc · dbEnc. CPU twin: src/sae/cpu/dense_bias_grad.ts.
import source from '../../../shaders/dense_bias_grad.wgsl?raw';
import { type Kernel, runKernel } from '../kernel';
import { checkPow2, rowGrid } from './common';

export interface DenseBiasGradParams {
  d: number;
  dSae: number;
  workgroup?: number;
  maxGridDim?: number;
}

export interface DenseBiasGradBuffers {
  gSum: GPUBuffer; // [d] f32, Σ_i dL/dx̂_i
  wEnc: GPUBuffer; // [d, dSae] f32
  dbEnc: GPUBuffer; // [dSae] f32, Σ_i dL/dpre_i
  dbDec: GPUBuffer; // [d] f32
}

export function denseBiasGradKernel(p: DenseBiasGradParams): Kernel {
  return {
    name: 'dense_bias_grad',
    source,
    storage: [
      { name: 'gSum', access: 'read' },
      { name: 'wEnc', access: 'read' },
      { name: 'dbEnc', access: 'read' },
      { name: 'dbDec', access: 'read_write' },
    ],
    uniforms: [
      { name: 'd', type: 'u32' },
      { name: 'dSae', type: 'u32' },
    ],
    workgroupSize: [checkPow2('dense_bias_grad', p.workgroup ?? 64), 1, 1],
    constants: {},
    dispatch: rowGrid(p.d, p.maxGridDim),
  };
}

export function denseBiasGrad(device: GPUDevice, p: DenseBiasGradParams, bufs: DenseBiasGradBuffers, encoder?: GPUCommandEncoder): void {
  runKernel(device, denseBiasGradKernel(p), { ...bufs }, { d: p.d, dSae: p.dSae }, encoder);
}
