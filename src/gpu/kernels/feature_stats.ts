// Launchers for the feature statistics kernels: shaders/feature_acts.wgsl, feature_scatter.wgsl (dense SAE
// activations), feature_stats.wgsl (pass 1) and feature_hist.wgsl (pass 2).
// CPU twins: src/analysis/cpu/feature_{acts,stats,hist}.ts.
import actsSource from '../../../shaders/feature_acts.wgsl?raw';
import histSource from '../../../shaders/feature_hist.wgsl?raw';
import scatterSource from '../../../shaders/feature_scatter.wgsl?raw';
import statsSource from '../../../shaders/feature_stats.wgsl?raw';
import { type Kernel, runKernel } from '../kernel';
import { flatGrid } from './common';

const WG = 64;
const MODES = { standard: 0, jumprelu: 1, topk: 2 } as const;

export function featureActsKernel(p: { M: number; dSae: number; mode: keyof typeof MODES }): Kernel {
  return {
    name: 'feature_acts',
    source: actsSource,
    storage: [
      { name: 'pre', access: 'read' },
      { name: 'threshold', access: 'read' },
      { name: 'acts', access: 'read_write' },
    ],
    uniforms: [
      { name: 'total', type: 'u32' },
      { name: 'dSae', type: 'u32' },
    ],
    workgroupSize: [WG, 1, 1],
    constants: { MODE: MODES[p.mode] },
    dispatch: flatGrid(p.M * p.dSae, WG),
  };
}

export function featureActs(device: GPUDevice, p: { M: number; dSae: number; mode: keyof typeof MODES }, bufs: { pre: GPUBuffer; threshold: GPUBuffer; acts: GPUBuffer }, enc?: GPUCommandEncoder): void {
  runKernel(device, featureActsKernel(p), bufs, { total: p.M * p.dSae, dSae: p.dSae }, enc);
}

export function featureScatterKernel(p: { M: number; k: number }): Kernel {
  return {
    name: 'feature_scatter',
    source: scatterSource,
    storage: [
      { name: 'idx', access: 'read' },
      { name: 'vals', access: 'read' },
      { name: 'acts', access: 'read_write' },
    ],
    uniforms: [
      { name: 'total', type: 'u32' },
      { name: 'k', type: 'u32' },
      { name: 'dSae', type: 'u32' },
    ],
    workgroupSize: [WG, 1, 1],
    constants: {},
    dispatch: flatGrid(p.M * p.k, WG),
  };
}

export function featureScatter(device: GPUDevice, p: { M: number; k: number; dSae: number }, bufs: { idx: GPUBuffer; vals: GPUBuffer; acts: GPUBuffer }, enc?: GPUCommandEncoder): void {
  runKernel(device, featureScatterKernel(p), bufs, { total: p.M * p.k, k: p.k, dSae: p.dSae }, enc);
}

export interface FeatureStatsBuffers {
  acts: GPUBuffer; //    [M, d_sae]
  count: GPUBuffer; //   [d_sae] u32
  maxAct: GPUBuffer; //  [d_sae]
  sum: GPUBuffer; //     [d_sae]
  comp: GPUBuffer; //    [d_sae]
  topRows: GPUBuffer; // [d_sae, N] u32 (0xffffffff = empty)
  topActs: GPUBuffer; // [d_sae, N]
}

export function featureStatsKernel(p: { dSae: number }): Kernel {
  return {
    name: 'feature_stats',
    source: statsSource,
    storage: [
      { name: 'acts', access: 'read' },
      { name: 'count', access: 'read_write' },
      { name: 'maxAct', access: 'read_write' },
      { name: 'sum', access: 'read_write' },
      { name: 'comp', access: 'read_write' },
      { name: 'topRows', access: 'read_write' },
      { name: 'topActs', access: 'read_write' },
    ],
    uniforms: [
      { name: 'M', type: 'u32' },
      { name: 'dSae', type: 'u32' },
      { name: 'firstRow', type: 'u32' },
      { name: 'topN', type: 'u32' },
    ],
    workgroupSize: [WG, 1, 1],
    constants: {},
    dispatch: flatGrid(p.dSae, WG),
  };
}

export function featureStats(device: GPUDevice, p: { M: number; dSae: number; firstRow: number; topN: number }, bufs: FeatureStatsBuffers, enc?: GPUCommandEncoder): void {
  runKernel(device, featureStatsKernel(p), { ...bufs }, { M: p.M, dSae: p.dSae, firstRow: p.firstRow, topN: p.topN }, enc);
}

export interface FeatureHistBuffers {
  acts: GPUBuffer; //      [M, d_sae]
  maxAct: GPUBuffer; //    [d_sae]
  binFrac: GPUBuffer; //   [nBins − 1]  (at least one element)
  bandFrac: GPUBuffer; //  [nBands − 1]
  hist: GPUBuffer; //      [d_sae, nBins] u32
  bandCount: GPUBuffer; // [d_sae, nBands] u32
  bandRows: GPUBuffer; //  [d_sae, nBands, S] u32
  bandKeys: GPUBuffer; //  [d_sae, nBands, S] u32
  bandActs: GPUBuffer; //  [d_sae, nBands, S]
}

export interface FeatureHistParams {
  M: number;
  dSae: number;
  firstRow: number;
  nBins: number;
  nBands: number;
  bandSize: number;
}

export function featureHistKernel(p: { dSae: number }): Kernel {
  return {
    name: 'feature_hist',
    source: histSource,
    storage: [
      { name: 'acts', access: 'read' },
      { name: 'maxAct', access: 'read' },
      { name: 'binFrac', access: 'read' },
      { name: 'bandFrac', access: 'read' },
      { name: 'hist', access: 'read_write' },
      { name: 'bandCount', access: 'read_write' },
      { name: 'bandRows', access: 'read_write' },
      { name: 'bandKeys', access: 'read_write' },
      { name: 'bandActs', access: 'read_write' },
    ],
    uniforms: [
      { name: 'M', type: 'u32' },
      { name: 'dSae', type: 'u32' },
      { name: 'firstRow', type: 'u32' },
      { name: 'nBins', type: 'u32' },
      { name: 'nBands', type: 'u32' },
      { name: 'bandSize', type: 'u32' },
    ],
    workgroupSize: [WG, 1, 1],
    constants: {},
    dispatch: flatGrid(p.dSae, WG),
  };
}

export function featureHist(device: GPUDevice, p: FeatureHistParams, bufs: FeatureHistBuffers, enc?: GPUCommandEncoder): void {
  runKernel(device, featureHistKernel(p), { ...bufs }, { ...p }, enc);
}
