// Launcher for shaders/sparse_decode.wgsl: out[M, d] = b_dec + Σ_j vals[m, j] · W_dec[idx[m, j], :].
// CPU twin: src/sae/cpu/sparse_decode.ts.
import source from '../../../shaders/sparse_decode.wgsl?raw';
import { type Kernel, dispatch2d, runKernel } from '../kernel';

export interface SparseDecodeParams {
  M: number;
  k: number;
  dSae: number;
  d: number;
  /** Threads per workgroup; each handles 4 columns. Default 64 (256 columns per workgroup). */
  workgroup?: number;
  /** Most workgroups per grid dimension (default 65535, the WebGPU default limit); rows beyond spill into z. */
  maxGridDim?: number;
}

export interface SparseDecodeBuffers {
  vals: GPUBuffer; // [M, k] f32
  idx: GPUBuffer; // [M, k] u32
  wDec: GPUBuffer; // [dSae, d] f32
  bDec: GPUBuffer; // [d] f32
  out: GPUBuffer; // [M, d] f32
}

const COLS = 4; // columns per thread, as in the shader

export function sparseDecodeKernel(p: SparseDecodeParams): Kernel {
  const wg = p.workgroup ?? 64;
  const [y, z] = dispatch2d(p.M, p.maxGridDim);
  return {
    name: 'sparse_decode',
    source,
    storage: [
      { name: 'vals', access: 'read' },
      { name: 'idx', access: 'read' },
      { name: 'wDec', access: 'read' },
      { name: 'bDec', access: 'read' },
      { name: 'out', access: 'read_write' },
    ],
    uniforms: [
      { name: 'M', type: 'u32' },
      { name: 'k', type: 'u32' },
      { name: 'dSae', type: 'u32' },
      { name: 'd', type: 'u32' },
    ],
    workgroupSize: [wg, 1, 1],
    constants: {},
    dispatch: [Math.ceil(p.d / (wg * COLS)), y, z],
  };
}

export function sparseDecode(device: GPUDevice, p: SparseDecodeParams, bufs: SparseDecodeBuffers, encoder?: GPUCommandEncoder): void {
  runKernel(
    device,
    sparseDecodeKernel(p),
    { vals: bufs.vals, idx: bufs.idx, wDec: bufs.wDec, bDec: bufs.bDec, out: bufs.out },
    { M: p.M, k: p.k, dSae: p.dSae, d: p.d },
    encoder,
  );
}
