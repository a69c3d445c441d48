// Launcher for shaders/standard_finalize.wgsl: the standard SAE step's scalars into stats[STANDARD_STATS_LEN]
// (slots STANDARD_STAT) and the dead-counter update. CPU twin: src/sae/cpu/standard_finalize.ts.
import source from '../../../shaders/standard_finalize.wgsl?raw';
import { STANDARD_STAT, STANDARD_STATS_LEN } from '../../sae/cpu/standard_finalize';
import { type Kernel, runKernel } from '../kernel';

export { STANDARD_STAT, STANDARD_STATS_LEN };

export interface StandardFinalizeParams {
  M: number;
  d: number;
  dSae: number;
  deadTokens: number;
  /** λ of this step (after warm-up). */
  l1Coefficient: number;
}

export interface StandardFinalizeBuffers {
  partial: GPUBuffer; // [d, 4] f32 from lossStats
  count: GPUBuffer; // [dSae] u32 from colStats (relu)
  sum: GPUBuffer; // [dSae] f32 from colStats (relu)
  norms: GPUBuffer; // [dSae] f32 from rowNorms
  sinceFired: GPUBuffer; // [dSae] u32, updated
  stats: GPUBuffer; // [STANDARD_STATS_LEN] f32
}

export function standardFinalizeKernel(): Kernel {
  return {
    name: 'standard_finalize',
    source,
    storage: [
      { name: 'partial', access: 'read' },
      { name: 'count', access: 'read' },
      { name: 'sum', access: 'read' },
      { name: 'norms', access: 'read' },
      { name: 'sinceFired', access: 'read_write' },
      { name: 'stats', access: 'read_write' },
    ],
    uniforms: [
      { name: 'M', type: 'u32' },
      { name: 'd', type: 'u32' },
      { name: 'dSae', type: 'u32' },
      { name: 'deadTokens', type: 'u32' },
      { name: 'l1Coefficient', type: 'f32' },
    ],
    workgroupSize: [256, 1, 1],
    constants: {},
    dispatch: [1, 1, 1],
  };
}

export function standardFinalize(device: GPUDevice, p: StandardFinalizeParams, bufs: StandardFinalizeBuffers, encoder?: GPUCommandEncoder): void {
  runKernel(
    device,
    standardFinalizeKernel(),
    { ...bufs },
    { M: p.M, d: p.d, dSae: p.dSae, deadTokens: Math.min(p.deadTokens, 0xffffffff), l1Coefficient: p.l1Coefficient },
    encoder,
  );
}
