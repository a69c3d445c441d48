// Launcher for shaders/bias_grad.wgsl: db_dec (+)= Σ_rows g − Σ_rows Σ_j dpre · W_enc[:, idx].
// CPU twin: src/sae/cpu/bias_grad.ts.
import source from '../../../shaders/bias_grad.wgsl?raw';
import { type Kernel, runKernel } from '../kernel';
import { checkPow2, rowGrid } from './common';

export interface BiasGradParams {
  M: number;
  k: number;
  dSae: number;
  d: number;
  accumulate: boolean;
  workgroup?: number;
  maxGridDim?: number;
}

export interface BiasGradBuffers {
  /** dL/dx̂ [M, d]; omit for the AuxK term. */
  g?: GPUBuffer;
  dpre: GPUBuffer; // [M, k] f32
  idx: GPUBuffer; // [M, k] u32
  wEnc: GPUBuffer; // [d, dSae] f32
  out: GPUBuffer; // [d] f32
}

export function biasGradKernel(p: BiasGradParams & { hasG: boolean }): Kernel {
  const wg = checkPow2('bias_grad', p.workgroup ?? 64);
  return {
    name: 'bias_grad',
    source,
    storage: [
      { name: 'g', access: 'read' },
      { name: 'dpre', access: 'read' },
      { name: 'idx', access: 'read' },
      { name: 'wEnc', access: 'read' },
      { name: 'out', access: 'read_write' },
    ],
    uniforms: [
      { name: 'M', type: 'u32' },
      { name: 'k', type: 'u32' },
      { name: 'dSae', type: 'u32' },
      { name: 'd', type: 'u32' },
    ],
    workgroupSize: [wg, 1, 1],
    constants: { HAS_G: p.hasG, ACCUMULATE: p.accumulate },
    dispatch: rowGrid(p.d, p.maxGridDim),
  };
}

export function biasGrad(device: GPUDevice, p: BiasGradParams, bufs: BiasGradBuffers, encoder?: GPUCommandEncoder): void {
  runKernel(
    device,
    biasGradKernel({ ...p, hasG: !!bufs.g }),
    { g: bufs.g ?? bufs.dpre, dpre: bufs.dpre, idx: bufs.idx, wEnc: bufs.wEnc, out: bufs.out },
    { M: p.M, k: p.k, dSae: p.dSae, d: p.d },
    encoder,
  );
}
