// The sparse stages of the fast CPU training step (./cpu-fast-step.ts), rewritten from their twins for memory
// order, with the twins' arithmetic per element:
//   latentRowsGrad  latent_grad.ts without its per-call [d_sae, d] scratch and the transposed scatter: it adds
//                   straight into a [d_sae, d] gradient (dW_dec, or dW_encᵀ, transposed once afterwards)
//   biasGradT       bias_grad.ts reading W_encᵀ rows [d_sae, d] instead of W_enc columns (stride d_sae), the
//                   same fma chain per (row, column) and the same float64 sum over rows: bit-identical
//   deadTopk        mask_dead.ts + topk_rows.ts over only the dead latents' columns, same result
//   transpose       a blocked transpose, so neither side of it walks memory with stride d_sae row after row
// The twins' versions read W_enc by column and allocate d_sae · d per call: at d_sae 24,576 those dominated the
// sparse half of the step (bench:sae-cpu prints the split).
import { checkLength } from '../cpu/matmul_bias';
import { type TopkRows, topkRows } from '../cpu/topk_rows';

export interface LatentRowsInputs {
  idx: Uint32Array; //   [M, k]
  /** Membership: slot (m, j) counts iff vals[m, j] > 0. */
  vals: Float32Array; // [M, k]
  /** The per-slot weight (vals itself, or dpre). */
  coef: Float32Array; // [M, k]
  a: Float32Array; //    [M, d]
  /** Subtracted from every row of a (b_dec); null for none. */
  sub: Float32Array | null; // [d]
  M: number;
  k: number;
  dSae: number;
  d: number;
}

/**
 * out[l, :] += Σ_m coef[m, j] · (a[m, :] − sub) over the slots (m, j) with idx = l and vals > 0, rows in order;
 * sums[l] += Σ coef likewise. `row` is scratch [d]. On a zeroed `out` this is latentGrad(…, accumulate: false).
 */
export function latentRowsGrad(inp: LatentRowsInputs, out: Float32Array, sums: Float32Array | null, row: Float32Array): void {
  const { idx, vals, coef, a, sub, M, k, dSae, d } = inp;
  checkLength('idx', idx, M * k);
  checkLength('a', a, M * d);
  checkLength('out', out, dSae * d);
  for (let m = 0; m < M; m++) {
    const ao = m * d;
    if (sub) for (let c = 0; c < d; c++) row[c] = a[ao + c] - sub[c];
    else for (let c = 0; c < d; c++) row[c] = a[ao + c];
    for (let j = 0; j < k; j++) {
      const s = m * k + j;
      if (!(vals[s] > 0)) continue;
      const l = idx[s];
      if (l >= dSae) throw new RangeError(`latentRowsGrad: idx[${m}, ${j}] = ${l} ≥ d_sae = ${dSae}`);
      const w = coef[s];
      const o = l * d;
      for (let c = 0; c < d; c++) out[o + c] += w * row[c];
      if (sums) sums[l] += w;
    }
  }
}

export interface BiasGradTInputs {
  g: Float32Array | null; // [M, d]  dL/dx̂ (null for the AuxK term)
  dpre: Float32Array; //     [M, k]
  idx: Uint32Array; //       [M, k]
  wEncT: Float32Array; //    [dSae, d]  W_encᵀ
  M: number;
  k: number;
  dSae: number;
  d: number;
}

/**
 * out[c] (+)= Σ_m (g[m, c] − Σ_j dpre[m, j] · W_enc[c, idx[m, j]]): bias_grad.ts's sum, row by row. `t` is
 * scratch [d]; `acc` [d] float64 collects the rows (zeroed here).
 */
export function biasGradT(inp: BiasGradTInputs, out: Float32Array, accumulate: boolean, t: Float32Array, acc: Float64Array): void {
  const { g, dpre, idx, wEncT, M, k, dSae, d } = inp;
  checkLength('dpre', dpre, M * k);
  checkLength('wEncT', wEncT, dSae * d);
  checkLength('out', out, d);
  acc.fill(0);
  for (let m = 0; m < M; m++) {
    if (g) t.set(g.subarray(m * d, (m + 1) * d));
    else t.fill(0);
    for (let j = 0; j < k; j++) {
      const w = dpre[m * k + j];
      if (w === 0) continue; // t − 0 · W = t exactly (W is finite)
      const o = idx[m * k + j] * d;
      for (let c = 0; c < d; c++) t[c] = t[c] - w * wEncT[o + c];
    }
    for (let c = 0; c < d; c++) acc[c] += t[c];
  }
  for (let c = 0; c < d; c++) out[c] = accumulate ? out[c] + acc[c] : acc[c];
}

/** Latents with sinceFired ≥ deadTokens, ascending: the AuxK candidates. */
export function deadLatents(sinceFired: Uint32Array, deadTokens: number): Uint32Array {
  let n = 0;
  for (let l = 0; l < sinceFired.length; l++) if (sinceFired[l] >= deadTokens) n++;
  const out = new Uint32Array(n);
  n = 0;
  for (let l = 0; l < sinceFired.length; l++) if (sinceFired[l] >= deadTokens) out[n++] = l;
  return out;
}

/**
 * topkRows(maskDead(pre), …, kAux, relu) for pre [M, N], computed over the dead columns only (`dead` ascending,
 * non-empty). The columns are gathered in ascending order, so ties still go to the lower latent; when fewer than
 * kAux are dead the rest of each row is what the twin's −FLT_MAX entries give: value 0, the lowest live latents.
 */
export function deadTopk(pre: Float32Array, M: number, N: number, dead: Uint32Array, kAux: number, out: TopkRows): void {
  checkLength('pre', pre, M * N);
  checkLength('indices', out.indices, M * kAux);
  const nd = dead.length;
  const kk = Math.min(kAux, nd);
  const g = new Float32Array(M * nd); // [M, nd]
  for (let m = 0; m < M; m++) for (let i = 0; i < nd; i++) g[m * nd + i] = pre[m * N + dead[i]];
  const top = topkRows(g, M, nd, kk, { relu: true });
  const fill: number[] = [];
  for (let l = 0, i = 0; fill.length < kAux - kk; l++) {
    if (i < nd && dead[i] === l) i++;
    else fill.push(l);
  }
  for (let m = 0; m < M; m++) {
    for (let s = 0; s < kk; s++) {
      out.indices[m * kAux + s] = dead[top.indices[m * kk + s]];
      out.values[m * kAux + s] = top.values[m * kk + s];
    }
    for (let s = kk; s < kAux; s++) {
      out.indices[m * kAux + s] = fill[s - kk];
      out.values[m * kAux + s] = 0;
    }
  }
}

const TILE = 32;

/** dst [cols, rows] = srcᵀ for src [rows, cols], in TILE × TILE blocks. */
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
