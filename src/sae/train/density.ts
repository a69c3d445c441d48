// Feature density: the fraction of tokens on which each latent fires, and its log10 histogram —
// the plot SAE practitioners read to spot dead (never firing) and dense (always firing) latents.
import { matmulBias } from '../cpu/matmul_bias';
import { saeForward } from './cpu-step';
import { jumpreluThresholds } from './jumprelu-thresholds';
import type { SaeParams, SaeTrainConfig } from './types';

export interface DensityHistogram {
  edges: number[]; //  log10(density) bin edges, ascending; bins are [edges[i], edges[i+1])
  counts: number[]; // latents per bin
  zero: number; //     latents that never fired on the sample
  tokens: number; //   rows in the sample
}

/**
 * Per-latent firing frequency over x [B, d_in] (already scaled), selected as in training (TopK or BatchTopK), or
 * for a standard (ReLU) SAE (`dense`) every latent with a positive pre-activation (a JumpReLU SAE, `dense` too: above θ).
 */
export function featureDensity(p: SaeParams, x: Float32Array, B: number, cfg: SaeTrainConfig, dense = false): Float64Array {
  if (dense) {
    const pre = matmulBias({ a: x, b: p.W_enc, bias: p.b_enc, sub: p.b_dec, M: B, K: cfg.dIn, N: cfg.dSae }); // [B, d_sae]
    const theta = p.log_threshold || p.threshold ? jumpreluThresholds(p) : null; // a JumpReLU SAE fires above θ
    const fires = new Float64Array(cfg.dSae);
    for (let i = 0; i < pre.length; i++) if (pre[i] > (theta ? theta[i % cfg.dSae] : 0)) fires[i % cfg.dSae]++;
    return fires.map((f) => f / B);
  }
  const top = saeForward(p, x, B, { ...cfg, auxCoef: 0 }, new Uint32Array(cfg.dSae)); // indices/values [B, slots]
  const fires = new Float64Array(cfg.dSae);
  for (let i = 0; i < top.indices.length; i++) if (top.acts[i] > 0) fires[top.indices[i]]++;
  return fires.map((f) => f / B);
}

/** log10 histogram from 1/tokens (one firing) up to 1, in bins of `width` decades. */
export function densityHistogram(density: Float64Array, tokens: number, width = 0.25): DensityHistogram {
  const lo = Math.floor(Math.log10(1 / tokens) / width) * width;
  const n = Math.round(-lo / width) + 1;
  const edges = Array.from({ length: n + 1 }, (_, i) => lo + i * width);
  const counts = new Array<number>(n).fill(0);
  let zero = 0;
  for (const d of density) {
    if (d <= 0) zero++;
    else counts[Math.min(n - 1, Math.max(0, Math.floor((Math.log10(d) - lo) / width)))]++;
  }
  return { edges, counts, zero, tokens };
}
