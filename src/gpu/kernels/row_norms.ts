// Launcher for shaders/row_norms.wgsl: norms[r] = ‖W[r]‖ for W [rows, cols]. CPU twin: src/sae/cpu/row_norms.ts.
import source from '../../../shaders/row_norms.wgsl?raw';
import { type Kernel, runKernel } from '../kernel';
import { checkPow2, rowGrid } from './common';

export interface RowNormsParams {
  rows: number;
  cols: number;
  workgroup?: number;
  maxGridDim?: number;
}

export function rowNormsKernel(p: RowNormsParams): Kernel {
  return {
    name: 'row_norms',
    source,
    storage: [
      { name: 'w', access: 'read' },
      { name: 'norms', access: 'read_write' },
    ],
    uniforms: [
      { name: 'rows', type: 'u32' },
      { name: 'cols', type: 'u32' },
    ],
    workgroupSize: [checkPow2('row_norms', p.workgroup ?? 64), 1, 1],
    constants: {},
    dispatch: rowGrid(p.rows, p.maxGridDim),
  };
}

export function rowNorms(device: GPUDevice, p: RowNormsParams, bufs: { w: GPUBuffer; norms: GPUBuffer }, encoder?: GPUCommandEncoder): void {
  runKernel(device, rowNormsKernel(p), { ...bufs }, { rows: p.rows, cols: p.cols }, encoder);
}
