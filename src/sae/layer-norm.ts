// SAELens' run-time normalize_activations "layer_norm" (sae_lens/saes/sae.py run_time_activation_ln_in / _out),
// which is OpenAI's sparse_autoencoder LN() and what the v5 GPT-2 small SAEs were trained with. Per row (token) of
// x [n, d]:
//
//   in    μ = mean(x),  σ = std(x − μ) with N − 1 (torch's default, unbiased),  x' = (x − μ) / (σ + ε),  ε = 1e-5
//   out   x̂ = y · σ + μ                         (no ε: ln_out multiplies by the stored σ itself)
//
// The encoder reads x'; the decoder's y = acts · W_dec + b_dec lives in the same normalised space and goes back
// with the input row's own μ and σ. μ and σ depend on the row, so unlike "expected_average_only_in" (one scale for
// the whole dataset) this cannot be folded into the weights: every path that encodes or decodes applies it.
//
// What a latent means in the hook's space, with μ and σ fixed by the input row (they do not depend on the latents):
//   x̂ = σ · (Σ_f a_f W_dec[f] + b_dec) + μ·1, so latent f writes a_f · σ · W_dec[f]; changing a_f by Δ moves x̂ by
//   Δ · σ · W_dec[f] (SAELens' decode with the error term kept), and ∂x̂/∂a_f = σ · W_dec[f] exactly: the out map is
//   affine in y. Activations themselves are in normalised units (what the encoder saw).
//
// Statistics are summed in float64; the normalised rows are rounded to float32 once, so every encoder (the plain
// loops, onnxruntime, WebGPU) multiplies the same float32 inputs.
import { LabError } from '../core/errors';

export const LAYER_NORM_EPS = 1e-5;

/** Bad input to the run-time normalisation (too few values per row for an unbiased std, short arrays). */
export class LayerNormError extends LabError {}

/** Per-row statistics of the input, kept for scaling the reconstruction back. */
export interface LayerNormStats {
  mu: Float64Array; //  [n] mean of the row
  std: Float64Array; // [n] unbiased standard deviation of the row (N − 1), without ε
}

/** μ and σ of each of the first n rows of x [n, d] (float64). */
export function layerNormStats(x: ArrayLike<number>, n: number, d: number): LayerNormStats {
  if (d < 2) throw new LayerNormError(`layer_norm needs rows of at least 2 values for an unbiased std, got d = ${d}`);
  if (!Number.isInteger(n) || n < 0 || x.length < n * d) throw new LayerNormError(`layer_norm: x holds ${x.length} values, fewer than n · d = ${n} · ${d}`);
  const mu = new Float64Array(n);
  const std = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const o = r * d;
    let s = 0;
    for (let c = 0; c < d; c++) s += x[o + c];
    const m = s / d;
    let v = 0;
    for (let c = 0; c < d; c++) v += (x[o + c] - m) ** 2;
    mu[r] = m;
    std[r] = Math.sqrt(v / (d - 1));
  }
  return { mu, std };
}

/** SAELens' layer_norm in: x' [n, d] = (x − μ) / (σ + ε) per row, rounded to float32, and the stats. */
export function layerNormIn(x: ArrayLike<number>, n: number, d: number, eps = LAYER_NORM_EPS): { x: Float32Array; stats: LayerNormStats } {
  const stats = layerNormStats(x, n, d);
  const out = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    const m = stats.mu[r];
    const den = stats.std[r] + eps;
    for (let c = 0; c < d; c++) out[r * d + c] = (x[r * d + c] - m) / den;
  }
  return { x: out, stats };
}

/** SAELens' layer_norm out, in place: y [n, d] ← y · σ + μ per row (no ε). Returns y. */
export function layerNormOutInPlace(y: Float32Array, n: number, d: number, stats: LayerNormStats): Float32Array {
  if (y.length < n * d || stats.mu.length < n || stats.std.length < n) {
    throw new LayerNormError(`layer_norm out: ${y.length} values and stats of ${stats.mu.length} rows for n · d = ${n} · ${d}`);
  }
  for (let r = 0; r < n; r++) {
    const m = stats.mu[r];
    const s = stats.std[r];
    for (let c = 0; c < d; c++) y[r * d + c] = y[r * d + c] * s + m;
  }
  return y;
}

/** SAELens' layer_norm out on a copy: y · σ + μ per row of y [n, d]. */
export function layerNormOut(y: Float32Array, n: number, d: number, stats: LayerNormStats): Float32Array {
  return layerNormOutInPlace(y.slice(0, n * d), n, d, stats);
}
