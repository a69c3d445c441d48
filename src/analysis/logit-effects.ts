// A feature's direct effect on the output tokens (SAEDashboard's logit tables): the decoder row W_dec[f] written
// into the residual stream, read out by the unembedding through the final layer norm with its scale σ frozen,
//
//   effect[t] = Σ_c (dir_c − mean(dir)) · γ_c · W_U[c, t]        W_U = wteᵀ (GPT-2 ties lm_head to the embedding)
//
// γ is ln_f's weight and σ its scale (TransformerLens' ln_final.hook_scale). Centring is linear and acts on each
// direction by itself, so it belongs to the direct effect (as in TransformerLens' centred writing weights and the
// attribution page's readout); 1/σ depends on the whole residual, not on the direction, so it is left out: the
// values are in units of σ. The same function serves neurons: pass the neuron's output weight row.

export interface TokenEffect {
  id: number;
  value: number;
}

export interface LogitEffects {
  positive: TokenEffect[]; // largest first
  negative: TokenEffect[]; // most negative first
}

/** effect [vocab] of one direction `dir` [d], centred, through γ [d] and the tied unembedding wte [vocab, d]. */
export function logitEffect(dir: Float32Array, gamma: Float32Array, wte: Float32Array, d: number): Float32Array {
  if (dir.length !== d || gamma.length !== d || wte.length % d !== 0) {
    throw new RangeError(`logitEffect: direction [${dir.length}], γ [${gamma.length}] and wte [${wte.length}] do not share d = ${d}`);
  }
  let mean = 0;
  for (let c = 0; c < d; c++) mean += dir[c];
  mean /= d;
  const scaled = new Float64Array(d); // [d]  (dir − mean) ⊙ γ
  for (let c = 0; c < d; c++) scaled[c] = (dir[c] - mean) * gamma[c];
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
