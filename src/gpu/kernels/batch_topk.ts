// Launcher for shaders/batch_topk.wgsl: of the positive candidates vals [M, kCand], keep the `keep` largest
// (ties → lower flat index) and zero the rest in place; kept count, batch threshold, its running mean and capped
// rows go to result[4] (slots BATCH_TOPK_RESULT). CPU twin: src/sae/cpu/batch_topk.ts.
import kernelSource from '../../../shaders/batch_topk.wgsl?raw';
import radixSelect from '../../../shaders/lib/radix_select.wgsl?raw';
import { type Kernel, runKernel } from '../kernel';

// The shared radix-select steps after the kernel, so compile errors keep the kernel file's line numbers.
const source = `${kernelSource}\n${radixSelect}`;

/** Words of the result buffer (u32; the f32 slots hold float bits). */
export const BATCH_TOPK_RESULT = {
  kept: 0, //        u32
  minKept: 1, //     f32: the smallest kept value (0 when nothing is kept)
  threshold: 2, //   f32: running mean, read and updated in place
  cappedRows: 3, //  u32: rows that kept all kCand candidates (capRows only)
} as const;
export const BATCH_TOPK_RESULT_LEN = 4;

export interface BatchTopkParams {
  M: number;
  kCand: number;
  /** Values kept over the batch (≥ M·kCand: all positive values, a pure count). */
  keep: number;
  /** Rate of the running mean (default 0: left as it is). */
  emaRate?: number;
  /** Count rows whose candidates were all kept (pass kCand < d_sae). */
  capRows?: boolean;
}

export interface BatchTopkBuffers {
  vals: GPUBuffer; //   [M, kCand] f32, zeroed in place where not kept
  result: GPUBuffer; // [4] u32
}

export function batchTopkKernel(p: BatchTopkParams): Kernel {
  if (!Number.isInteger(p.M) || p.M < 0 || !Number.isInteger(p.kCand) || p.kCand < 1) {
    throw new RangeError(`batch_topk: M = ${p.M} and kCand = ${p.kCand} must be integers, kCand ≥ 1`);
  }
  if (p.M * p.kCand > 0xffffffff) throw new RangeError(`batch_topk: M · kCand = ${p.M * p.kCand} exceeds the u32 index range`);
  return {
    name: 'batch_topk',
    source,
    storage: [
      { name: 'vals', access: 'read_write' },
      { name: 'result', access: 'read_write' },
    ],
    uniforms: [
      { name: 'total', type: 'u32' },
      { name: 'kCand', type: 'u32' },
      { name: 'M', type: 'u32' },
      { name: 'keep', type: 'u32' },
      { name: 'idxPasses', type: 'u32' },
      { name: 'emaRate', type: 'f32' },
    ],
    workgroupSize: [256, 1, 1],
    constants: { CAP_ROWS: p.capRows ?? false },
    // One workgroup; M = 0 dispatches nothing (and leaves result as it was).
    dispatch: [p.M > 0 ? 1 : 0, 1, 1],
  };
}

/** idxPasses = 8-bit digits in total − 1; keep is clamped to total (beyond it nothing changes). */
export function batchTopkUniforms(p: BatchTopkParams): Record<string, number> {
  const total = p.M * p.kCand;
  if (!Number.isInteger(p.keep) || p.keep < 0) throw new RangeError(`batch_topk: keep = ${p.keep} must be a non-negative integer`);
  const bits = total <= 1 ? 0 : 32 - Math.clz32(total - 1);
  return { total, kCand: p.kCand, M: p.M, keep: Math.min(p.keep, total), idxPasses: Math.ceil(bits / 8), emaRate: p.emaRate ?? 0 };
}

export function batchTopk(device: GPUDevice, p: BatchTopkParams, bufs: BatchTopkBuffers, encoder?: GPUCommandEncoder): void {
  runKernel(device, batchTopkKernel(p), { vals: bufs.vals, result: bufs.result }, batchTopkUniforms(p), encoder);
}

/** The result buffer's words as numbers. */
export function decodeBatchTopkResult(words: Uint32Array): { kept: number; minKept: number; threshold: number; cappedRows: number } {
  const f = new Float32Array(words.buffer, words.byteOffset, BATCH_TOPK_RESULT_LEN);
  const R = BATCH_TOPK_RESULT;
  return { kept: words[R.kept], minKept: f[R.minKept], threshold: f[R.threshold], cappedRows: words[R.cappedRows] };
}
