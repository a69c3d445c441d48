// Launcher for shaders/topk_rows.wgsl: per-row top-k (sorted descending, ties → lower index), optional ReLU.
// CPU twin: src/sae/cpu/topk_rows.ts.
import kernelSource from '../../../shaders/topk_rows.wgsl?raw';
import radixSelect from '../../../shaders/lib/radix_select.wgsl?raw';
import { type Kernel, dispatch2d, runKernel } from '../kernel';
import { scratchBuffer } from './common';

// The shared radix-select steps after the kernel, so compile errors keep the kernel file's line numbers.
const source = `${kernelSource}\n${radixSelect}`;

/**
 * The shader sorts the winners in workgroup memory of this size (8 KiB of keys and indices: within WebGPU's
 * default 16 KiB with the radix state, so no raised limit is needed). Covers research sizes: k up to 512,
 * AuxK's d_in / 2, BatchTopK candidates up to 1024.
 */
export const TOPK_MAX_K = 1024;

export interface TopkRowsParams {
  M: number;
  N: number;
  k: number;
  /** Values become max(v, 0) after selection (TopK SAE). */
  relu?: boolean;
  /** Most workgroups per grid dimension (default 65535, the WebGPU default limit); rows beyond spill into y. */
  maxGridDim?: number;
}

export interface TopkRowsBuffers {
  x: GPUBuffer; // [M, N] f32
  indices: GPUBuffer; // [M, k] u32
  values: GPUBuffer; // [M, k] f32
  /** [M, k] u32: when given, the winners as (latent << 10) | slot sorted ascending per row (the latent gathers' lookup). */
  byLatent?: GPUBuffer;
}

/** byLatent packs latent << BY_LATENT_SLOT_BITS | slot; latents must leave the all-ones word free (a sentinel). */
export const BY_LATENT_SLOT_BITS = 10;
export const BY_LATENT_MAX_N = 2 ** (32 - BY_LATENT_SLOT_BITS) - 1;

export function topkRowsKernel(p: TopkRowsParams & { byLatent?: boolean }): Kernel {
  if (p.byLatent && p.N > BY_LATENT_MAX_N) throw new RangeError(`topk_rows: byLatent needs N ≤ ${BY_LATENT_MAX_N} (N = ${p.N})`);
  if (!Number.isInteger(p.k) || p.k < 1 || p.k > Math.min(p.N, TOPK_MAX_K)) {
    throw new RangeError(`topk_rows: k = ${p.k} must be in 1..min(N, ${TOPK_MAX_K}) (N = ${p.N})`);
  }
  const [x, y] = dispatch2d(p.M, p.maxGridDim);
  return {
    name: 'topk_rows',
    source,
    storage: [
      { name: 'x', access: 'read' },
      { name: 'indices', access: 'read_write' },
      { name: 'values', access: 'read_write' },
      { name: 'byLatent', access: 'read_write' },
    ],
    uniforms: [
      { name: 'M', type: 'u32' },
      { name: 'N', type: 'u32' },
      { name: 'k', type: 'u32' },
      { name: 'sortN', type: 'u32' },
      { name: 'idxPasses', type: 'u32' },
    ],
    workgroupSize: [256, 1, 1],
    constants: { APPLY_RELU: p.relu ?? false, WRITE_BY_LATENT: p.byLatent ?? false },
    dispatch: [x, y, 1],
  };
}

/** Uniform values for the shapes: sortN = next power of two ≥ k; idxPasses = 8-bit digits in N − 1. */
export function topkRowsUniforms(p: TopkRowsParams): Record<string, number> {
  const bits = p.N <= 1 ? 0 : 32 - Math.clz32(p.N - 1);
  return { M: p.M, N: p.N, k: p.k, sortN: 1 << Math.ceil(Math.log2(p.k)), idxPasses: Math.ceil(bits / 8) };
}

export function topkRows(device: GPUDevice, p: TopkRowsParams, bufs: TopkRowsBuffers, encoder?: GPUCommandEncoder): void {
  const kernel = topkRowsKernel({ ...p, byLatent: !!bufs.byLatent });
  const b = { x: bufs.x, indices: bufs.indices, values: bufs.values, byLatent: bufs.byLatent ?? scratchBuffer(device) };
  runKernel(device, kernel, b, topkRowsUniforms(p), encoder);
}
