// A feature's direct effect on the output tokens (SAEDashboard's logit tables): the decoder row W_dec[f] written
// into the residual stream, read out by the unembedding through the final layer norm's scale,
//
//   effect[t] = Σ_c W_dec[f, c] · γ_c · W_U[c, t]        W_U = wteᵀ (GPT-2 ties lm_head to the embedding)
//
// γ is ln_f's weight. The normalisation itself (centring, 1/σ) depends on the whole residual, not on the feature,
// so — as SAEDashboard with TransformerLens' fold_ln — only the scale is folded in. The same function serves
// neurons: pass the neuron's output weight row instead of a decoder row.

export interface TokenEffect {
  id: number;
  value: number;
}

export interface LogitEffects {
  positive: TokenEffect[]; // largest first
  negative: TokenEffect[]; // most negative first
}

/** effect [vocab] of one direction `dir` [d] through γ [d] and the tied unembedding wte [vocab, d]. */
export function logitEffect(dir: Float32Array, gamma: Float32Array, wte: Float32Array, d: number): Float32Array {
  if (dir.length !== d || gamma.length !== d || wte.length % d !== 0) {
    throw new RangeError(`logitEffect: direction [${dir.length}], γ [${gamma.length}] and wte [${wte.length}] do not share d = ${d}`);
  }
  const scaled = new Float64Array(d);
  for (let c = 0; c < d; c++) scaled[c] = dir[c] * gamma[c];
  const vocab = wte.length / d;
  const out = new Float32Array(vocab);
  for (let t = 0; t < vocab; t++) {
    let s = 0;
    const row = t * d;
    for (let c = 0; c < d; c++) s += scaled[c] * wte[row + c];
    out[t] = s;
  }
  return out;
}

/** The `k` most positive and most negative tokens of an effect vector (ties: lower token id first). */
export function topEffects(effect: Float32Array, k: number): LogitEffects {
  const order = Array.from(effect.keys());
  const pos = order.slice().sort((a, b) => effect[b] - effect[a] || a - b);
  const neg = order.slice().sort((a, b) => effect[a] - effect[b] || a - b);
  const pick = (ids: number[]) => ids.slice(0, k).map((id) => ({ id, value: effect[id] }));
  return { positive: pick(pos), negative: pick(neg) };
}
