// Launcher for shaders/adam.wgsl: one bias-corrected Adam step in place on one parameter tensor.
// CPU twin: src/sae/cpu/adam.ts (adamScalars gives both sides the same float32 per-step scalars).
import source from '../../../shaders/adam.wgsl?raw';
import type { AdamScalars } from '../../sae/cpu/adam';
import { type Kernel, runKernel } from '../kernel';
import { flatGrid } from './common';

export interface AdamParams {
  n: number;
  maxGridDim?: number;
}

export interface AdamBuffers {
  param: GPUBuffer; // [n] f32
  grad: GPUBuffer; // [n] f32
  m: GPUBuffer; // [n] f32
  v: GPUBuffer; // [n] f32
}

const WG = 256;

export function adamKernel(p: AdamParams): Kernel {
  return {
    name: 'adam',
    source,
    storage: [
      { name: 'param', access: 'read_write' },
      { name: 'grad', access: 'read' },
      { name: 'm', access: 'read_write' },
      { name: 'v', access: 'read_write' },
    ],
    uniforms: [
      { name: 'total', type: 'u32' },
      { name: 'beta1', type: 'f32' },
      { name: 'oneMinusBeta1', type: 'f32' },
      { name: 'beta2', type: 'f32' },
      { name: 'oneMinusBeta2', type: 'f32' },
      { name: 'eps', type: 'f32' },
      { name: 'stepSize', type: 'f32' },
      { name: 'sqrtBc2', type: 'f32' },
    ],
    workgroupSize: [WG, 1, 1],
    constants: {},
    dispatch: flatGrid(p.n, WG, p.maxGridDim),
  };
}

export function adam(device: GPUDevice, p: AdamParams, s: AdamScalars, bufs: AdamBuffers, encoder?: GPUCommandEncoder): void {
  runKernel(device, adamKernel(p), { ...bufs }, { total: p.n, ...s }, encoder);
}
