// Launchers for shaders/loss_stats.wgsl (per-column sums) and shaders/loss_finalize.wgsl (the step's scalars
// into stats[STATS_LEN], slots STAT). CPU twin of both: src/sae/cpu/loss_stats.ts.
import finalizeSource from '../../../shaders/loss_finalize.wgsl?raw';
import source from '../../../shaders/loss_stats.wgsl?raw';
import { STAT, STATS_LEN } from '../../sae/cpu/loss_stats';
import { type Kernel, runKernel } from '../kernel';
import { checkPow2, rowGrid } from './common';

export { STAT, STATS_LEN };

export interface LossStatsParams {
  M: number;
  d: number;
  /** ehat is given: also the AuxK sums. */
  aux: boolean;
  workgroup?: number;
  maxGridDim?: number;
}

export interface LossStatsBuffers {
  x: GPUBuffer; // [M, d] f32
  xhat: GPUBuffer; // [M, d] f32
  ehat?: GPUBuffer; // [M, d] f32, iff aux
  partial: GPUBuffer; // [d, 4] f32
}

export function lossStatsKernel(p: LossStatsParams): Kernel {
  const wg = checkPow2('loss_stats', p.workgroup ?? 64);
  return {
    name: 'loss_stats',
    source,
    storage: [
      { name: 'x', access: 'read' },
      { name: 'xhat', access: 'read' },
      { name: 'ehat', access: 'read' },
      { name: 'partial', access: 'read_write' },
    ],
    uniforms: [
      { name: 'M', type: 'u32' },
      { name: 'd', type: 'u32' },
    ],
    workgroupSize: [wg, 1, 1],
    constants: { HAS_AUX: p.aux },
    dispatch: rowGrid(p.d, p.maxGridDim),
  };
}

export function lossStats(device: GPUDevice, p: LossStatsParams, bufs: LossStatsBuffers, encoder?: GPUCommandEncoder): void {
  if (p.aux && !bufs.ehat) throw new RangeError('lossStats: aux needs an `ehat` buffer');
  runKernel(device, lossStatsKernel(p), { x: bufs.x, xhat: bufs.xhat, ehat: bufs.ehat ?? bufs.x, partial: bufs.partial }, { M: p.M, d: p.d }, encoder);
}

export interface LossFinalizeParams {
  M: number;
  d: number;
  dSae: number;
  deadTokens: number;
  auxCoef: number;
  aux: boolean;
}

export interface LossFinalizeBuffers {
  partial: GPUBuffer; // [d, 4] f32 from lossStats
  sinceFired: GPUBuffer; // [dSae] u32
  stats: GPUBuffer; // [STATS_LEN] f32
}

export function lossFinalizeKernel(p: LossFinalizeParams): Kernel {
  return {
    name: 'loss_finalize',
    source: finalizeSource,
    storage: [
      { name: 'partial', access: 'read' },
      { name: 'sinceFired', access: 'read' },
      { name: 'stats', access: 'read_write' },
    ],
    uniforms: [
      { name: 'M', type: 'u32' },
      { name: 'd', type: 'u32' },
      { name: 'dSae', type: 'u32' },
      { name: 'deadTokens', type: 'u32' },
      { name: 'auxCoef', type: 'f32' },
    ],
    workgroupSize: [256, 1, 1],
    constants: { HAS_AUX: p.aux },
    dispatch: [1, 1, 1],
  };
}

export function lossFinalize(device: GPUDevice, p: LossFinalizeParams, bufs: LossFinalizeBuffers, encoder?: GPUCommandEncoder): void {
  runKernel(
    device,
    lossFinalizeKernel(p),
    { ...bufs },
    { M: p.M, d: p.d, dSae: p.dSae, deadTokens: Math.min(p.deadTokens, 0xffffffff), auxCoef: p.auxCoef },
    encoder,
  );
}
