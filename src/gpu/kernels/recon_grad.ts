// Launcher for shaders/recon_grad.wgsl: g = 2 (x̂ − x) / M and (AuxK) gAux = auxGradScale · (ê − (x − x̂)).
// CPU twin: src/sae/cpu/recon_grad.ts.
import source from '../../../shaders/recon_grad.wgsl?raw';
import { type Kernel, runKernel } from '../kernel';
import { flatGrid, scratchBuffer } from './common';

export interface ReconGradParams {
  M: number;
  d: number;
  aux: boolean;
  maxGridDim?: number;
}

export interface ReconGradBuffers {
  x: GPUBuffer; // [M, d] f32
  xhat: GPUBuffer; // [M, d] f32
  ehat?: GPUBuffer; // [M, d] f32, iff aux
  stats: GPUBuffer; // [STATS_LEN] f32 from lossFinalize (slot auxGradScale)
  g: GPUBuffer; // [M, d] f32
  gAux?: GPUBuffer; // [M, d] f32, iff aux
}

const WG = 256;

export function reconGradKernel(p: ReconGradParams): Kernel {
  return {
    name: 'recon_grad',
    source,
    storage: [
      { name: 'x', access: 'read' },
      { name: 'xhat', access: 'read' },
      { name: 'ehat', access: 'read' },
      { name: 'stats', access: 'read' },
      { name: 'g', access: 'read_write' },
      { name: 'gAux', access: 'read_write' },
    ],
    uniforms: [
      { name: 'total', type: 'u32' },
      { name: 'scale', type: 'f32' },
    ],
    workgroupSize: [WG, 1, 1],
    constants: { HAS_AUX: p.aux },
    dispatch: flatGrid(p.M * p.d, WG, p.maxGridDim),
  };
}

export function reconGrad(device: GPUDevice, p: ReconGradParams, bufs: ReconGradBuffers, encoder?: GPUCommandEncoder): void {
  if (p.aux && (!bufs.ehat || !bufs.gAux)) throw new RangeError('reconGrad: aux needs `ehat` and `gAux` buffers');
  runKernel(
    device,
    reconGradKernel(p),
    { x: bufs.x, xhat: bufs.xhat, ehat: bufs.ehat ?? bufs.x, stats: bufs.stats, g: bufs.g, gAux: bufs.gAux ?? scratchBuffer(device) },
    { total: p.M * p.d, scale: 2 / p.M },
    encoder,
  );
}
