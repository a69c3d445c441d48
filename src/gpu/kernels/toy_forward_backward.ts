// Launcher for shaders/toy_forward_backward.wgsl: the toy model of superposition's forward pass and per-row
// backward pass, one thread per batch row. CPU twin: src/analysis/toy/cpu/toy_forward_backward.ts.
import source from '../../../shaders/toy_forward_backward.wgsl?raw';
import { type Kernel, runKernel } from '../kernel';
import { flatGrid } from './common';

export interface ToyForwardBackwardParams {
  B: number;
  n: number;
  m: number;
  maxGridDim?: number;
}

export interface ToyForwardBackwardBuffers {
  params: GPUBuffer; // [m·n + n] f32: W [m, n] then b [n]
  x: GPUBuffer; // [B, n] f32
  importance: GPUBuffer; // [n] f32
  h: GPUBuffer; // [B, m] f32
  dy: GPUBuffer; // [B, n] f32
  dh: GPUBuffer; // [B, m] f32
  rowLoss: GPUBuffer; // [B] f32
}

const WG = 64;

export function toyForwardBackwardKernel(p: ToyForwardBackwardParams): Kernel {
  return {
    name: 'toy_forward_backward',
    source,
    storage: [
      { name: 'params', access: 'read' },
      { name: 'x', access: 'read' },
      { name: 'importance', access: 'read' },
      { name: 'h', access: 'read_write' },
      { name: 'dy', access: 'read_write' },
      { name: 'dh', access: 'read_write' },
      { name: 'rowLoss', access: 'read_write' },
    ],
    uniforms: [
      { name: 'B', type: 'u32' },
      { name: 'n', type: 'u32' },
      { name: 'm', type: 'u32' },
    ],
    workgroupSize: [WG, 1, 1],
    constants: {},
    dispatch: flatGrid(p.B, WG, p.maxGridDim),
  };
}

export function toyForwardBackward(device: GPUDevice, p: ToyForwardBackwardParams, bufs: ToyForwardBackwardBuffers, encoder?: GPUCommandEncoder): void {
  runKernel(device, toyForwardBackwardKernel(p), { ...bufs }, { B: p.B, n: p.n, m: p.m }, encoder);
}
