// A float64 SAE run the way SAELens runs one at inference, for tests. Shares no code with src/ on purpose: it is
// the yardstick the lab's encoders, decoders, statistics, steering, attribution and evals are checked against.
//
// sae_lens/saes/sae.py (SAELens 6.x):
//   process_sae_in   x → run_time_activation_norm_fn_in(x) → − b_dec · apply_b_dec_to_input
//     "layer_norm"   mu = x.mean(-1); x = x − mu; std = x.std(-1) (torch: unbiased, N − 1); x = x / (std + 1e-5)
//   hidden_pre       sae_in @ W_enc + b_enc
//   activation       standard: relu; topk (topk_sae.py): torch.topk(hidden_pre, k) then relu, scattered into zeros;
//                    jumprelu (jumprelu_sae.py): relu(hidden_pre) · (hidden_pre > threshold)
//   decode           acts @ W_dec + b_dec → run_time_activation_norm_fn_out: y · std + mu (no eps)
// OpenAI's sparse_autoencoder/model.py LN() and Autoencoder.decode are the same formulas.

export interface RefSae {
  architecture: 'standard' | 'topk' | 'jumprelu';
  dIn: number;
  dSae: number;
  k?: number;
  applyBDec: boolean;
  layerNorm: boolean;
  W_enc: ArrayLike<number>; // [d_in, d_sae]
  b_enc: ArrayLike<number>; // [d_sae]
  W_dec: ArrayLike<number>; // [d_sae, d_in]
  b_dec: ArrayLike<number>; // [d_in]
  threshold?: ArrayLike<number>; // [d_sae]
}

/** The per-row statistics layer_norm stores (ln_mu, ln_std). */
export interface RefLnStats {
  mu: Float64Array; // [n]
  std: Float64Array; // [n]
}

export const REF_LN_EPS = 1e-5;

/** The refSae view of a lab-style { cfg, weights } pair (field names only; no lab code runs). */
export function refSaeOf(sae: {
  cfg: { architecture: string; d_in: number; d_sae: number; k?: number; apply_b_dec_to_input: boolean; normalize_activations: string };
  weights: { W_enc: ArrayLike<number>; b_enc: ArrayLike<number>; W_dec: ArrayLike<number>; b_dec: ArrayLike<number>; threshold?: ArrayLike<number> };
}): RefSae {
  const a = sae.cfg.architecture;
  if (a !== 'standard' && a !== 'topk' && a !== 'jumprelu') throw new Error(`refSaeOf: no reference for ${a}`);
  return {
    architecture: a,
    dIn: sae.cfg.d_in,
    dSae: sae.cfg.d_sae,
    k: sae.cfg.k,
    applyBDec: sae.cfg.apply_b_dec_to_input,
    layerNorm: sae.cfg.normalize_activations === 'layer_norm',
    ...sae.weights,
  };
}

/** x − mu, then / (std + eps), per row of x [n, d]; the stats as SAELens keeps them. */
export function refLayerNormIn(x: ArrayLike<number>, n: number, d: number): { x: Float64Array; stats: RefLnStats } {
  const out = new Float64Array(n * d);
  const mu = new Float64Array(n);
  const std = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let m = 0;
    for (let c = 0; c < d; c++) m += x[r * d + c];
    m /= d;
    const centred = Array.from({ length: d }, (_, c) => x[r * d + c] - m);
    const mean2 = centred.reduce((a, v) => a + v, 0) / d; // ~0; torch's std recentres
    const s = Math.sqrt(centred.reduce((a, v) => a + (v - mean2) ** 2, 0) / (d - 1));
    mu[r] = m;
    std[r] = s;
    for (let c = 0; c < d; c++) out[r * d + c] = centred[c] / (s + REF_LN_EPS);
  }
  return { x: out, stats: { mu, std } };
}

/** hidden_pre and feature_acts [n, d_sae] of x [n, d_in], and the layer_norm stats (null without). */
export function refEncode(sae: RefSae, x: ArrayLike<number>, n: number): { pre: Float64Array; acts: Float64Array; stats: RefLnStats | null } {
  const { dIn, dSae } = sae;
  const ln = sae.layerNorm ? refLayerNormIn(x, n, dIn) : null;
  const xin = ln ? ln.x : Float64Array.from({ length: n * dIn }, (_, i) => x[i]);
  const pre = new Float64Array(n * dSae);
  const acts = new Float64Array(n * dSae);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < dSae; j++) {
      let s = sae.b_enc[j];
      for (let i = 0; i < dIn; i++) s += (xin[r * dIn + i] - (sae.applyBDec ? sae.b_dec[i] : 0)) * sae.W_enc[i * dSae + j];
      pre[r * dSae + j] = s;
    }
    const row = pre.subarray(r * dSae, (r + 1) * dSae);
    if (sae.architecture === 'standard') for (let j = 0; j < dSae; j++) acts[r * dSae + j] = Math.max(0, row[j]);
    else if (sae.architecture === 'jumprelu') for (let j = 0; j < dSae; j++) acts[r * dSae + j] = row[j] > sae.threshold![j] ? Math.max(0, row[j]) : 0;
    else {
      const order = Array.from({ length: dSae }, (_, j) => j).sort((a, b) => row[b] - row[a] || a - b);
      for (const j of order.slice(0, sae.k!)) acts[r * dSae + j] = Math.max(0, row[j]);
    }
  }
  return { pre, acts, stats: ln ? ln.stats : null };
}

/** acts @ W_dec + b_dec, then y · std + mu per row when stats are given: [n, d_in]. */
export function refDecode(sae: RefSae, acts: ArrayLike<number>, n: number, stats: RefLnStats | null): Float64Array {
  const { dIn, dSae } = sae;
  const out = new Float64Array(n * dIn);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < dIn; c++) {
      let s = sae.b_dec[c];
      for (let j = 0; j < dSae; j++) {
        const a = acts[r * dSae + j];
        if (a !== 0) s += a * sae.W_dec[j * dIn + c];
      }
      out[r * dIn + c] = stats ? s * stats.std[r] + stats.mu[r] : s;
    }
  }
  return out;
}
