// Launchers for the decoder-row constraints: shaders/dec_grad_project.wgsl (remove each row's gradient
// component along the row, before the optimiser) and shaders/dec_renorm.wgsl (unit-norm rows, after it).
// CPU twins: src/sae/cpu/dec_grad_project.ts, src/sae/cpu/dec_renorm.ts.
import projectSource from '../../../shaders/dec_grad_project.wgsl?raw';
import renormSource from '../../../shaders/dec_renorm.wgsl?raw';
import { type Kernel, runKernel } from '../kernel';
import { checkPow2, rowGrid } from './common';

export interface DecRowsParams {
  dSae: number;
  d: number;
  workgroup?: number;
  maxGridDim?: number;
}

const uniforms = [
  { name: 'dSae', type: 'u32' },
  { name: 'd', type: 'u32' },
] as const;

export function decGradProjectKernel(p: DecRowsParams): Kernel {
  return {
    name: 'dec_grad_project',
    source: projectSource,
    storage: [
      { name: 'grad', access: 'read_write' },
      { name: 'wDec', access: 'read' },
    ],
    uniforms,
    workgroupSize: [checkPow2('dec_grad_project', p.workgroup ?? 64), 1, 1],
    constants: {},
    dispatch: rowGrid(p.dSae, p.maxGridDim),
  };
}

export function decGradProject(device: GPUDevice, p: DecRowsParams, bufs: { grad: GPUBuffer; wDec: GPUBuffer }, encoder?: GPUCommandEncoder): void {
  runKernel(device, decGradProjectKernel(p), { ...bufs }, { dSae: p.dSae, d: p.d }, encoder);
}

export function decRenormKernel(p: DecRowsParams): Kernel {
  return {
    name: 'dec_renorm',
    source: renormSource,
    storage: [{ name: 'wDec', access: 'read_write' }],
    uniforms,
    workgroupSize: [checkPow2('dec_renorm', p.workgroup ?? 64), 1, 1],
    constants: {},
    dispatch: rowGrid(p.dSae, p.maxGridDim),
  };
}

export function decRenorm(device: GPUDevice, p: DecRowsParams, bufs: { wDec: GPUBuffer }, encoder?: GPUCommandEncoder): void {
  runKernel(device, decRenormKernel(p), { ...bufs }, { dSae: p.dSae, d: p.d }, encoder);
}
