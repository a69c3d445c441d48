// Launcher for shaders/col_stats.wgsl: per-column sums of X [M, N]; with relu, X is rectified in place first and
// the positive entries per column counted. CPU twin: src/sae/cpu/col_stats.ts.
import source from '../../../shaders/col_stats.wgsl?raw';
import { type Kernel, dispatch2d, runKernel } from '../kernel';
import { scratchBuffer } from './common';

export interface ColStatsParams {
  M: number;
  N: number;
  relu: boolean;
  /** [columns, row groups] per workgroup; default [64, 4]. */
  workgroup?: readonly [number, number];
  maxGridDim?: number;
}

export interface ColStatsBuffers {
  x: GPUBuffer; // [M, N] f32, rectified in place when relu
  count?: GPUBuffer; // [N] u32, iff relu
  sum: GPUBuffer; // [N] f32
}

export function colStatsKernel(p: ColStatsParams): Kernel {
  const [wx, wy] = p.workgroup ?? [64, 4];
  const [gx, gy] = dispatch2d(Math.ceil(p.N / wx), p.maxGridDim);
  return {
    name: 'col_stats',
    source,
    storage: [
      { name: 'x', access: 'read_write' },
      { name: 'count', access: 'read_write' },
      { name: 'sum', access: 'read_write' },
    ],
    uniforms: [
      { name: 'M', type: 'u32' },
      { name: 'N', type: 'u32' },
    ],
    workgroupSize: [wx, wy, 1],
    constants: { RELU: p.relu },
    dispatch: [gx, gy, 1],
  };
}

export function colStats(device: GPUDevice, p: ColStatsParams, bufs: ColStatsBuffers, encoder?: GPUCommandEncoder): void {
  if (p.relu && !bufs.count) throw new RangeError('colStats: relu needs a `count` buffer');
  runKernel(device, colStatsKernel(p), { x: bufs.x, count: bufs.count ?? scratchBuffer(device), sum: bufs.sum }, { M: p.M, N: p.N }, encoder);
}
