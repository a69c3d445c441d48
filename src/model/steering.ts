// Steering with SAE features (the lab's slider): what is added at the SAE's hook, per mode.
//
//   add     x' = x + Σ_f α_f · s_t · W_dec[f]                          (the feature's activation raised by α_f)
//   clamp   x' = x + Σ_f (c_f − a_f(x)) · s_t · W_dec[f]               (the feature's activation set to c_f)
//   ablate  clamp with c_f = 0
//
// a_f(x) is the SAE's encoding of the position's activation. clamp/ablate change only the chosen latents and keep
// the SAE's error term (x − x̂ stays in x'), as SAELens' and Neuronpedia's steering do: decode(acts') + (x − x̂)
// = x + (acts' − acts) · s_t · W_dec. With every c_f at its natural value nothing changes.
//
// s_t is how the SAE's decoder output reaches the hook at position t: 1 for most SAEs; σ_t, the unbiased std of
// x_t, for a normalize_activations "layer_norm" SAE (OpenAI's v5), whose decode is x̂ = σ_t·(acts·W_dec + b_dec) + μ_t
// with σ_t and μ_t from the position's own input (SAELens' run_time_activation_ln_out), so Δ in a_f moves x̂ by
// Δ·σ_t·W_dec[f]. Its activations are in normalised units (a max activation of 8 is 8σ of the token along W_dec[f]),
// so add scales by σ_t too: α is then in the same units as the feature's activations and its max activation, and
// needs each position's activation like clamp does (two passes per step).
import { SaeConfigError, encode, writeScale } from '../sae/sae';
import type { SaeConfig, SaeWeights } from '../sae/sae';
import { layerNormStats } from '../sae/layer-norm';
import type { SteerSpec } from './gpt2';

export type SteerMode = 'add' | 'clamp' | 'ablate';

export interface FeatureSteer {
  feature: number;
  mode: SteerMode;
  /** add: α (in units of the feature's activation); clamp: the activation c_f; ablate: unused. */
  value: number;
}

export interface SteerSae {
  cfg: SaeConfig;
  weights: SaeWeights;
}

/** True when some steer needs each position's activation (clamp or ablate, or any steer of a layer_norm SAE): generation then runs two passes. */
export const needsActivations = (sae: Pick<SteerSae, 'cfg'>, steers: FeatureSteer[]) =>
  steers.some((s) => s.mode !== 'add') || (sae.cfg.normalize_activations === 'layer_norm' && steers.length > 0);

/**
 * The additive part: Σ α_f · W_dec[f] as a [1, 1, d_in] steer (broadcast over positions). Not for a layer_norm SAE,
 * whose additive steer depends on each position's σ_t: use steerFor.
 */
export function additiveSteer(sae: SteerSae, steers: FeatureSteer[]): SteerSpec {
  if (sae.cfg.normalize_activations === 'layer_norm' && steers.some((s) => s.mode === 'add')) {
    throw new SaeConfigError('a layer_norm SAE adds α·σ_t·W_dec[f], which depends on each position: steer with steerFor (needsActivations says so)');
  }
  const d = sae.cfg.d_in;
  const v = new Float32Array(d);
  for (const s of steers) {
    if (s.mode !== 'add') continue;
    const row = sae.weights.W_dec.subarray(s.feature * d, (s.feature + 1) * d);
    for (let c = 0; c < d; c++) v[c] += s.value * row[c];
  }
  return { data: v, shape: [1, 1, d] };
}

/** The full steer for activations x [T, d_in] at the hook: per position, the adds and the clamps. */
export function steerFor(sae: SteerSae, steers: FeatureSteer[], x: Float32Array, T: number): SteerSpec {
  const d = sae.cfg.d_in;
  const D = sae.cfg.d_sae;
  const ln = sae.cfg.normalize_activations === 'layer_norm';
  const out = new Float32Array(T * d);
  const clamps = steers.filter((s) => s.mode !== 'add');
  // The encoding carries σ_t when there are clamps; adds alone need only the stats, not the SAE's matmul.
  const enc = clamps.length ? encode(sae.weights, sae.cfg, x, T) : null; // acts [T, d_sae]
  const norm = enc ? enc.norm : ln ? layerNormStats(x, T, d) : null;
  const adds = steers.filter((s) => s.mode === 'add');
  for (let t = 0; t < T; t++) {
    const scale = writeScale(norm, t); // s_t
    for (const s of adds) {
      const row = sae.weights.W_dec.subarray(s.feature * d, (s.feature + 1) * d);
      const k = s.value * scale;
      for (let c = 0; c < d; c++) out[t * d + c] += k * row[c];
    }
    for (const s of clamps) {
      const target = s.mode === 'ablate' ? 0 : s.value;
      const delta = target - enc!.acts[t * D + s.feature];
      if (delta === 0) continue;
      const row = sae.weights.W_dec.subarray(s.feature * d, (s.feature + 1) * d);
      const k = delta * scale;
      for (let c = 0; c < d; c++) out[t * d + c] += k * row[c];
    }
  }
  return { data: out, shape: [1, T, d] };
}
