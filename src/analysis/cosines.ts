// Nearest features by cosine (SAEDashboard's feature tables): for every feature f, the n other features whose
// decoder rows (or encoder columns) have the largest cosine with f's. Exact: all d_sae² dots, as the matmul
// D · Dᵀ of the unit directions D [d_sae, dim], taken a block of rows at a time so only [block, d_sae] dots are
// ever held, and only the top n of each row kept. At GPT-2 small's width (24,576 × 768) that is 4.6 · 10¹¹
// multiply-adds: the block product is pluggable (BlockDots) — plain JS here for tests and small SAEs, the wasm
// matmul of onnxruntime (./onnx-matmul.ts) in the lab.

/** Top-n per unit, best first: index [d, n] (−1 for an unused slot) and the value [d, n]. */
export interface TopTable {
  n: number;
  index: Int32Array;
  value: Float32Array;
}

/** dots [M, d] of rows a [M, dim] with every unit direction, for rows first … first + M − 1 of the directions. */
export type BlockDots = (first: number, M: number) => Float32Array | Promise<Float32Array>;

/** Unit rows of w [d, dim] (a zero row stays zero: its cosines are 0). */
export function unitRows(w: Float32Array, d: number, dim: number): Float32Array {
  const out = new Float32Array(d * dim);
  for (let f = 0; f < d; f++) {
    let s = 0;
    for (let c = f * dim; c < (f + 1) * dim; c++) s += w[c] * w[c];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let c = f * dim; c < (f + 1) * dim; c++) out[c] = w[c] * inv;
  }
  return out;
}

/** Unit decoder rows: W_dec is [d_sae, d_in] already. */
export const decoderDirections = (wDec: Float32Array, dSae: number, dIn: number) => unitRows(wDec, dSae, dIn);

/** Unit encoder directions [d_sae, d_in]: the columns of W_enc [d_in, d_sae]. */
export function encoderDirections(wEnc: Float32Array, dSae: number, dIn: number): Float32Array {
  const t = new Float32Array(dSae * dIn);
  for (let i = 0; i < dIn; i++) for (let f = 0; f < dSae; f++) t[f * dIn + i] = wEnc[i * dSae + f];
  return unitRows(t, dSae, dIn);
}

/** The plain-JS block product over unit directions u [d, dim]. */
export function cpuBlockDots(u: Float32Array, d: number, dim: number): BlockDots {
  return (first, M) => {
    const out = new Float32Array(M * d);
    for (let r = 0; r < M; r++) {
      const a = (first + r) * dim;
      for (let g = 0; g < d; g++) {
        let s = 0;
        const b = g * dim;
        for (let c = 0; c < dim; c++) s += u[a + c] * u[b + c];
        out[r * d + g] = s;
      }
    }
    return out;
  };
}

/**
 * Keeps the n largest of `vals` [len] other than index `skip` into index/value at `off` (best first; ties → lower
 * index). A small sorted buffer: n ≪ len, so each value costs one comparison against the current n-th best.
 */
export function topOfRow(vals: Float32Array, base: number, len: number, skip: number, n: number, index: Int32Array, value: Float32Array, off: number): void {
  let filled = 0;
  for (let g = 0; g < len; g++) {
    if (g === skip) continue;
    const v = vals[base + g];
    if (v !== v) continue; // NaN
    if (filled === n && !(v > value[off + n - 1])) continue;
    let j = filled < n ? filled++ : n - 1;
    for (; j > 0 && v > value[off + j - 1]; j--) {
      value[off + j] = value[off + j - 1];
      index[off + j] = index[off + j - 1];
    }
    value[off + j] = v;
    index[off + j] = g;
  }
}

export const COSINE_BLOCK = 256;

/** The n nearest other units of each of d units by `dots` (cosines of unit directions), exact, a block at a time. */
export async function nearestByCosine(d: number, n: number, dots: BlockDots, block = COSINE_BLOCK, onProgress?: (done: number) => void, signal?: AbortSignal): Promise<TopTable> {
  const m = Math.min(n, Math.max(0, d - 1));
  const index = new Int32Array(d * m).fill(-1);
  const value = new Float32Array(d * m).fill(Number.NEGATIVE_INFINITY);
  for (let first = 0; first < d; first += block) {
    if (signal?.aborted) throw new DOMException('cancelled', 'AbortError');
    const M = Math.min(block, d - first);
    const out = await dots(first, M); // [M, d]
    for (let r = 0; r < M; r++) topOfRow(out, r * d, d, first + r, m, index, value, (first + r) * m);
    onProgress?.(first + M);
  }
  return { n: m, index, value };
}

/** Row f of a top table as {index, value} pairs (unused slots dropped). */
export function topRow(t: TopTable, f: number): { index: number; value: number }[] {
  const out: { index: number; value: number }[] = [];
  for (let j = 0; j < t.n; j++) if (t.index[f * t.n + j] >= 0) out.push({ index: t.index[f * t.n + j], value: t.value[f * t.n + j] });
  return out;
}
