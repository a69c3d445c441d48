// Interventions that check an attribution: remove (ablate) or add to one SAE feature or one MLP neuron, run the
// model again, and read the target's logit. Both go through the model's steering input at the unit's hook, which
// the graph adds before exposing the hook:
//
//   feature f   steer[t] = −a_f(t)·v_t  (ablate)   (value − 1)·a_f(t)·v_t  (scale)   value·v_t  (add),   v_t = s_t·W_dec[f]
//   neuron i    the same with e_i in place of v_t, at blocks.l.mlp.hook_post
//
// s_t = 1, or σ_t (the position's unbiased std) for a normalize_activations "layer_norm" SAE: its decoder output is
// scaled back as x̂ = σ_t·y + μ_t, so changing a_f by Δ (error term kept) moves the hook by Δ·σ_t·W_dec[f]
// (src/sae/layer-norm.ts). That is the write a×g differentiates, so ablating is what a×g estimates in both cases.
//
// a_f(t) and post_i(t) come from a clean pass of the same model (steer 0). `positions` says where: the last
// position only (what the attribution describes: a×g is the first-order estimate of this ablation), or all.
import { LabError } from '../../core/errors';
import type { ForwardResult, Gpt2Model } from '../../model/gpt2';
import { encode, writeScale } from '../../sae/sae';
import type { AttributionSae } from './attribute';

export type InterventionUnit = { kind: 'feature'; feature: number } | { kind: 'neuron'; layer: number; neuron: number };

export interface InterventionSpec {
  unit: InterventionUnit;
  mode: 'ablate' | 'scale' | 'add';
  /** 'scale': the factor on the unit's activation at each position (2 doubles it); 'add': activation units added. */
  value?: number;
  positions: 'last' | 'all';
}

export interface InterventionOutcome {
  before: number; //              the target's logit, clean
  after: number; //               with the intervention
  logitsAfter: Float32Array; //   [vocab] at the last position, with the intervention
  logitsBefore: Float32Array; //  [vocab]
  /** The unit's clean activation at the last position. */
  activation: number;
}

/**
 * Runs the intervention on `model`, which must steer at (and expose) the unit's hook: the SAE's hook for a
 * feature, blocks.{layer}.mlp.hook_post for a neuron.
 */
export async function intervene(model: Gpt2Model, ids: number[], target: number, spec: InterventionSpec, sae: AttributionSae | null): Promise<InterventionOutcome> {
  const hook = spec.unit.kind === 'feature' ? sae?.cfg.hook_name : `blocks.${spec.unit.layer}.mlp.hook_post`;
  if (!hook) throw new LabError('a feature intervention needs its SAE');
  if (model.steerAt !== hook) throw new LabError(`this model steers at ${model.steerAt ?? 'no hook'}, the intervention needs ${hook}`);
  const T = ids.length;
  const clean = await model.forward([ids]);
  const h = clean.hooks[hook];
  if (!h) throw new LabError(`the intervention model does not expose ${hook}`);
  const dim = h.shape[2];
  const { direction, acts, scale } = unitOf(spec.unit, sae, h.data, T, dim);
  const steer = new Float32Array(T * dim);
  for (let t = spec.positions === 'last' ? T - 1 : 0; t < T; t++) {
    const s = (spec.mode === 'ablate' ? -acts[t] : spec.mode === 'scale' ? ((spec.value ?? 1) - 1) * acts[t] : (spec.value ?? 0)) * scale[t];
    if (s === 0) continue;
    for (let c = 0; c < dim; c++) steer[t * dim + c] = s * direction[c];
  }
  const steered = await model.forward([ids], { steer: { data: steer, shape: [1, T, dim] } });
  const before = lastLogits(clean, T, model.cfg.vocabSize);
  const after = lastLogits(steered, T, model.cfg.vocabSize);
  return { before: before[target], after: after[target], logitsBefore: before, logitsAfter: after, activation: acts[T - 1] };
}

/** The unit's direction in its hook's space [dim], its clean activation at every position [T], and s_t [T]. */
function unitOf(unit: InterventionUnit, sae: AttributionSae | null, x: Float32Array, T: number, dim: number) {
  if (unit.kind === 'neuron') {
    if (!(unit.neuron >= 0 && unit.neuron < dim)) throw new LabError(`neuron ${unit.neuron} does not exist: the layer has neurons 0…${dim - 1}`);
    const direction = new Float32Array(dim);
    direction[unit.neuron] = 1;
    return { direction, acts: Float32Array.from({ length: T }, (_, t) => x[t * dim + unit.neuron]), scale: new Float64Array(T).fill(1) };
  }
  const s = sae!;
  const f = unit.feature;
  if (!(f >= 0 && f < s.cfg.d_sae)) throw new LabError(`feature ${f} does not exist: this SAE has features 0…${s.cfg.d_sae - 1}`);
  const { acts, norm } = encode(s.weights, s.cfg, x, T); // [T, d_sae]
  return {
    direction: s.weights.W_dec.subarray(f * dim, (f + 1) * dim),
    acts: Float32Array.from({ length: T }, (_, t) => acts[t * s.cfg.d_sae + f]),
    scale: Float64Array.from({ length: T }, (_, t) => writeScale(norm, t)),
  };
}

function lastLogits(r: ForwardResult, T: number, V: number): Float32Array {
  if (r.logitsLast) return r.logitsLast.data; // [1, V]
  if (r.logits) return r.logits.data.subarray((T - 1) * V, T * V); // [1, T, V]
  throw new LabError('the model returns no logits');
}
