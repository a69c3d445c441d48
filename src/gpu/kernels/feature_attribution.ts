// Launcher for shaders/feature_attribution.wgsl: out[k, f] = acts[f] · W_dec[f] · dirs[k] for k ∈ {0, 1}.
// CPU twin: src/analysis/cpu/feature_attribution.ts.
import source from '../../../shaders/feature_attribution.wgsl?raw';
import { type Kernel, runKernel } from '../kernel';
import { flatGrid } from './common';

export interface FeatureAttributionParams {
  dSae: number;
  dIn: number;
  workgroup?: number;
  maxGridDim?: number;
}

export interface FeatureAttributionBuffers {
  wDec: GPUBuffer; // [dSae, dIn] f32
  acts: GPUBuffer; // [dSae] f32
  dirs: GPUBuffer; // [2, dIn] f32
  out: GPUBuffer; //  [2, dSae] f32
}

export function featureAttributionKernel(p: FeatureAttributionParams): Kernel {
  return {
    name: 'feature_attribution',
    source,
    storage: [
      { name: 'wDec', access: 'read' },
      { name: 'acts', access: 'read' },
      { name: 'dirs', access: 'read' },
      { name: 'out', access: 'read_write' },
    ],
    uniforms: [
      { name: 'dSae', type: 'u32' },
      { name: 'dIn', type: 'u32' },
    ],
    workgroupSize: [p.workgroup ?? 64, 1, 1],
    constants: {},
    dispatch: flatGrid(p.dSae, p.workgroup ?? 64, p.maxGridDim),
  };
}

export function featureAttribution(device: GPUDevice, p: FeatureAttributionParams, bufs: FeatureAttributionBuffers, encoder?: GPUCommandEncoder): void {
  runKernel(device, featureAttributionKernel(p), { ...bufs }, { dSae: p.dSae, dIn: p.dIn }, encoder);
}
