// The sparse stages of the fast CPU training step (./cpu-fast-step.ts) on the wasm SIMD kernels of
// ./wasm/sparse.wat (decode, slot_dot, latent_rows: the twins of src/sae/cpu/{sparse_decode,sparse_dot,
// latent_grad}.ts), plus the two dense helpers the step needs around them. The kernels work in their module's
// memory, so a step lays its tensors out there (layout), copies its inputs in and reads results through views.
import { checkLength } from '../cpu/matmul_bias';
import { WASM_BASE64 } from './wasm/sparse-wasm';

interface SparseExports {
  memory: WebAssembly.Memory;
  decode(vals: number, idx: number, w: number, bias: number, hasBias: number, out: number, M: number, k: number, d: number): void;
  slot_dot(g: number, idx: number, vals: number, w: number, out: number, M: number, k: number, d: number): void;
  latent_rows(idx: number, vals: number, coef: number, a: number, sub: number, hasSub: number, out: number, sums: number, hasSums: number, row: number, M: number, k: number, d: number): void;
}

let compiled: WebAssembly.Module | null = null;

/** The module, compiled once (a few KB: synchronous compilation is allowed on any thread). */
function sparseModule(): WebAssembly.Module {
  if (!compiled) compiled = new WebAssembly.Module(Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0)));
  return compiled;
}

const PAGE = 65536;

/** Byte offsets of named float32 / uint32 regions in the kernels' memory. */
export type Layout<K extends string> = Record<K, number>;

/** One instance of the kernels with its own memory; pointers are byte offsets into it. */
export class WasmSparse {
  private readonly ex: SparseExports;

  constructor() {
    this.ex = new WebAssembly.Instance(sparseModule()).exports as unknown as SparseExports;
  }

  /**
   * Places regions of the given element counts (4 bytes each, 16-byte aligned) from offset 0, growing memory to
   * fit. Growing detaches earlier views: take views (f32 / u32) after the layout.
   */
  layout<K extends string>(counts: Record<K, number>): Layout<K> {
    const out = {} as Layout<K>;
    let off = 0;
    for (const key of Object.keys(counts) as K[]) {
      out[key] = off;
      off += Math.ceil((4 * counts[key]) / 16) * 16;
    }
    const have = this.ex.memory.buffer.byteLength;
    if (off > have) this.ex.memory.grow(Math.ceil((off - have) / PAGE));
    return out;
  }

  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.ex.memory.buffer, ptr, n);
  }

  u32(ptr: number, n: number): Uint32Array {
    return new Uint32Array(this.ex.memory.buffer, ptr, n);
  }

  /** out [M, d] = (bias or 0) + Σ_j vals[m, j] · W[idx[m, j]]  (W [·, d]; zero values skipped). */
  decode(vals: number, idx: number, w: number, bias: number | null, out: number, M: number, k: number, d: number): void {
    this.ex.decode(vals, idx, w, bias ?? 0, bias === null ? 0 : 1, out, M, k, d);
  }

  /** out [M, k] = vals > 0 ? g[m] · W[idx[m, j]] : 0. */
  slotDot(g: number, idx: number, vals: number, w: number, out: number, M: number, k: number, d: number): void {
    this.ex.slot_dot(g, idx, vals, w, out, M, k, d);
  }

  /**
   * out [d_sae, d] += coef · (a[m] − sub) at rows idx, and sums [d_sae] += coef, over the slots with vals > 0;
   * `row` is scratch [d]. Indices must be < the rows of out (the top-k guarantees it).
   */
  latentRows(idx: number, vals: number, coef: number, a: number, sub: number | null, out: number, sums: number | null, row: number, M: number, k: number, d: number): void {
    this.ex.latent_rows(idx, vals, coef, a, sub ?? 0, sub === null ? 0 : 1, out, sums ?? 0, sums === null ? 0 : 1, row, M, k, d);
  }
}

/**
 * dL/db_dec = Σ_m g[m] − W_enc · db_enc   (g [M, d] = dL/dx̂; db_enc [d_sae] summed over both loss terms)
 * b_dec enters x̂ directly and the encoder as x − b_dec, whose gradient is −Σ_m Σ_j dpre[m, j] W_enc[:, idx[m, j]]
 * = −W_enc · db_enc. The twin (src/sae/cpu/bias_grad.ts) sums it slot by slot (B · k · d_in reads down W_enc's
 * columns); this is d_in · d_sae once, in float64.
 */
export function decoderBiasGrad(g: Float32Array, M: number, wEnc: Float32Array, dbEnc: Float32Array, d: number, dSae: number, out: Float32Array): void {
  checkLength('g', g, M * d);
  checkLength('wEnc', wEnc, d * dSae);
  checkLength('dbEnc', dbEnc, dSae);
  checkLength('out', out, d);
  for (let c = 0; c < d; c++) {
    let s = 0;
    for (let m = 0; m < M; m++) s += g[m * d + c];
    const o = c * dSae;
    for (let l = 0; l < dSae; l++) s -= wEnc[o + l] * dbEnc[l];
    out[c] = s;
  }
}

const TILE = 32;

/** dst [cols, rows] = srcᵀ for src [rows, cols], in TILE × TILE blocks (neither side strides a whole row per element). */
export function transpose(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  checkLength('src', src, rows * cols);
  checkLength('dst', dst, rows * cols);
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) dst[c * rows + r] = src[r * cols + c];
    }
  }
}
