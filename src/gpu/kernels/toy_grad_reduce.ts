// Launcher for shaders/toy_grad_reduce.wgsl: the toy model's batch sums (dW, db, and the loss into
// lossOut[lossSlot]), one thread per output. CPU twin: src/analysis/toy/cpu/toy_grad_reduce.ts.
import source from '../../../shaders/toy_grad_reduce.wgsl?raw';
import { type Kernel, runKernel } from '../kernel';
import { flatGrid } from './common';

export interface ToyGradReduceParams {
  B: number;
  n: number;
  m: number;
  /** Where in lossOut the batch loss goes (the step, for a loss history). */
  lossSlot: number;
  maxGridDim?: number;
}

export interface ToyGradReduceBuffers {
  x: GPUBuffer; // [B, n] f32
  h: GPUBuffer; // [B, m] f32
  dy: GPUBuffer; // [B, n] f32
  dh: GPUBuffer; // [B, m] f32
  rowLoss: GPUBuffer; // [B] f32
  grad: GPUBuffer; // [m·n + n] f32
  lossOut: GPUBuffer; // [> lossSlot] f32
}

const WG = 64;

export function toyGradReduceKernel(p: ToyGradReduceParams): Kernel {
  return {
    name: 'toy_grad_reduce',
    source,
    storage: [
      { name: 'x', access: 'read' },
      { name: 'h', access: 'read' },
      { name: 'dy', access: 'read' },
      { name: 'dh', access: 'read' },
      { name: 'rowLoss', access: 'read' },
      { name: 'grad', access: 'read_write' },
      { name: 'lossOut', access: 'read_write' },
    ],
    uniforms: [
      { name: 'B', type: 'u32' },
      { name: 'n', type: 'u32' },
      { name: 'm', type: 'u32' },
      { name: 'lossSlot', type: 'u32' },
    ],
    workgroupSize: [WG, 1, 1],
    constants: {},
    // One thread per gradient entry and one for the loss.
    dispatch: flatGrid(p.m * p.n + p.n + 1, WG, p.maxGridDim),
  };
}

export function toyGradReduce(device: GPUDevice, p: ToyGradReduceParams, bufs: ToyGradReduceBuffers, encoder?: GPUCommandEncoder): void {
  runKernel(device, toyGradReduceKernel(p), { ...bufs }, { B: p.B, n: p.n, m: p.m, lossSlot: p.lossSlot }, encoder);
}
