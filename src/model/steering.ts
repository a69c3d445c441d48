// Steering with SAE features (the lab's slider): what is added at the SAE's hook, per mode.
//
//   add     x' = x + Σ_f α_f · W_dec[f]                              (every position; no encoding needed)
//   clamp   x' = x + Σ_f (c_f − a_f(x)) · W_dec[f]                   (the feature's activation set to c_f)
//   ablate  clamp with c_f = 0
//
// a_f(x) is the SAE's encoding of the position's activation. clamp/ablate change only the chosen latents and keep
// the SAE's error term (x − x̂ stays in x'), as SAELens' and Neuronpedia's steering do: decode(acts') + (x − x̂)
// = x + (acts' − acts) · W_dec. With every c_f at its natural value nothing changes.
import { encode } from '../sae/sae';
import type { SaeConfig, SaeWeights } from '../sae/sae';
import type { SteerSpec } from './gpt2';

export type SteerMode = 'add' | 'clamp' | 'ablate';

export interface FeatureSteer {
  feature: number;
  mode: SteerMode;
  /** add: α (in units of the decoder row); clamp: the activation c_f; ablate: unused. */
  value: number;
}

export interface SteerSae {
  cfg: SaeConfig;
  weights: SaeWeights;
}

/** True when some steer needs each position's activation (clamp or ablate): generation then runs two passes. */
export const needsActivations = (steers: FeatureSteer[]) => steers.some((s) => s.mode !== 'add');

/** The additive part: Σ α_f · W_dec[f] as a [1, 1, d_in] steer (broadcast over positions). */
export function additiveSteer(sae: SteerSae, steers: FeatureSteer[]): SteerSpec {
  const d = sae.cfg.d_in;
  const v = new Float32Array(d);
  for (const s of steers) {
    if (s.mode !== 'add') continue;
    const row = sae.weights.W_dec.subarray(s.feature * d, (s.feature + 1) * d);
    for (let c = 0; c < d; c++) v[c] += s.value * row[c];
  }
  return { data: v, shape: [1, 1, d] };
}

/** The full steer for activations x [T, d_in] at the hook: additive part plus, per position, the clamps. */
export function steerFor(sae: SteerSae, steers: FeatureSteer[], x: Float32Array, T: number): SteerSpec {
  const d = sae.cfg.d_in;
  const add = additiveSteer(sae, steers).data;
  const out = new Float32Array(T * d);
  for (let t = 0; t < T; t++) out.set(add, t * d);
  const clamps = steers.filter((s) => s.mode !== 'add');
  if (clamps.length) {
    const { acts } = encode(sae.weights, sae.cfg, x, T); // [T, d_sae]
    const D = sae.cfg.d_sae;
    for (let t = 0; t < T; t++) {
      for (const s of clamps) {
        const target = s.mode === 'ablate' ? 0 : s.value;
        const delta = target - acts[t * D + s.feature];
        if (delta === 0) continue;
        const row = sae.weights.W_dec.subarray(s.feature * d, (s.feature + 1) * d);
        for (let c = 0; c < d; c++) out[t * d + c] += delta * row[c];
      }
    }
  }
  return { data: out, shape: [1, T, d] };
}
