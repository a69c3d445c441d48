// Launcher for shaders/shuffle_swap.wgsl: out[b] = pool[slots[b]], then pool[slots[b]] = incoming[b].
// CPU twin: src/sae/cpu/shuffle_swap.ts.
import source from '../../../shaders/shuffle_swap.wgsl?raw';
import { type Kernel, runKernel } from '../kernel';
import { flatGrid } from './common';

export interface ShuffleSwapParams {
  B: number;
  d: number;
  maxGridDim?: number;
}

export interface ShuffleSwapBuffers {
  slots: GPUBuffer; //    [B] u32, distinct
  incoming: GPUBuffer; // [B, d] f32
  pool: GPUBuffer; //     [P, d] f32
  out: GPUBuffer; //      [B, d] f32
}

const WG = 64;

export function shuffleSwapKernel(p: ShuffleSwapParams): Kernel {
  return {
    name: 'shuffle_swap',
    source,
    storage: [
      { name: 'slots', access: 'read' },
      { name: 'incoming', access: 'read' },
      { name: 'pool', access: 'read_write' },
      { name: 'out', access: 'read_write' },
    ],
    uniforms: [
      { name: 'total', type: 'u32' },
      { name: 'd', type: 'u32' },
    ],
    workgroupSize: [WG, 1, 1],
    constants: {},
    dispatch: flatGrid(p.B * p.d, WG, p.maxGridDim),
  };
}

export function shuffleSwap(device: GPUDevice, p: ShuffleSwapParams, bufs: ShuffleSwapBuffers, encoder?: GPUCommandEncoder): void {
  runKernel(device, shuffleSwapKernel(p), { ...bufs }, { total: p.B * p.d, d: p.d }, encoder);
}
