// Neuron pages: the raw units of a stored hook (an MLP neuron of blocks.l.mlp.hook_post, a residual dimension)
// as dashboard units. A unit's activation is the stored value itself, so the statistics pass runs with the
// identity for an encoder; its output direction (for the logit table) is the weight row it writes into the
// residual stream; and an SAE reading the same hook relates its features to the units through W_dec.
import { type ParsedHook, parseHook } from '../core/hooks';
import type { Gpt2Weights } from '../core/weights';
import type { ActsOf } from './feature-pass';

/** The featureStats key of a run's neuron statistics for one hook (SAE ids never start with "neurons:"). */
export const neuronSetKey = (runId: string, hook: string) => `neurons:${runId}:${hook}`;
export const isNeuronSetKey = (key: string) => key.startsWith('neurons:');

/** The units of a hook are its stored values: rows [n, dim] are already the activations [n, dim]. */
export const identityActs: ActsOf = (x) => x;

/** Unit `i` of rows x [n, dim]. */
export function unitColumn(dim: number, i: number): (x: Float32Array, n: number) => Float32Array {
  return (x, n) => Float32Array.from({ length: n }, (_, r) => x[r * dim + i]);
}

/** Hooks whose values live in the residual basis: unit i writes (or is read out) along the basis vector e_i. */
const RESIDUAL_POINTS = new Set(['hook_resid_pre', 'hook_attn_out', 'hook_resid_mid', 'hook_mlp_out', 'hook_resid_post', 'hook_embed', 'hook_pos_embed', 'ln_final.hook_normalized']);

export type OutputDirection = { dir: Float32Array; via: string } | { dir: null; note: string };

/** The hook as the model's weights know it; null when the name is not a hook of this model. */
function hookOf(weights: Gpt2Weights, hook: string): ParsedHook | null {
  try {
    return parseHook(hook, { nLayer: weights.blocks.length });
  } catch {
    return null;
  }
}

/** The c_proj weight [inner, d] an MLP's post-GELU units write through, when `h` is an mlp.hook_post. */
const mlpOut = (weights: Gpt2Weights, h: ParsedHook | null) => (h && h.layer !== null && h.point === 'mlp.hook_post' ? weights.blocks[h.layer].mlpProjW : undefined);

/** How a residual direction becomes logit effects (src/analysis/logit-effects.ts), for captions. */
export const READOUT = "through ln_f's weight γ and W_U, centred";

/**
 * The residual-stream direction unit `i` of `hook` writes: for an MLP neuron its c_proj row W_out[i]; for a
 * residual dimension e_i. A pre-GELU unit has none of its own (its effect passes through the non-linearity).
 */
export function outputDirection(weights: Gpt2Weights, hook: string, i: number): OutputDirection {
  const d = weights.lnFW.length;
  const h = hookOf(weights, hook);
  const w = mlpOut(weights, h); // [inner, d]
  if (w) {
    if (i >= w.length / d) return { dir: null, note: `${hook} has no neuron ${i} in this model` };
    return { dir: w.subarray(i * d, (i + 1) * d), via: `W_out[${i}] of ${hook.replace('.hook_post', '')} ${READOUT}` };
  }
  const point = h?.point;
  if (point === 'mlp.hook_pre') return { dir: null, note: 'a pre-GELU unit has no direct output: its effect passes through the GELU (see the same neuron at mlp.hook_post)' };
  if (!point || !RESIDUAL_POINTS.has(point) || i >= d) return { dir: null, note: `no output direction is known for unit ${i} of ${hook}` };
  const e = new Float32Array(d);
  e[i] = 1;
  return { dir: e, via: `the basis vector e_${i} of the residual stream ${READOUT}` };
}

/**
 * The residual-stream direction [d] a vector `v` in `hook`'s basis writes (an SAE decoder row, say): itself for a
 * residual hook, v · W_out for an MLP's post-GELU units; none for pre-GELU units.
 */
export function residualDirection(weights: Gpt2Weights, hook: string, v: Float32Array): OutputDirection {
  const d = weights.lnFW.length;
  const h = hookOf(weights, hook);
  const w = mlpOut(weights, h); // [inner, d]
  if (w && v.length * d === w.length) {
    const out = new Float32Array(d);
    for (let i = 0; i < v.length; i++) for (let c = 0; c < d; c++) out[c] += v[i] * w[i * d + c];
    return { dir: out, via: `its decoder row through W_out of ${hook.replace('.hook_post', '')}, then ${READOUT}` };
  }
  const point = h?.point;
  if (point === 'mlp.hook_pre') return { dir: null, note: 'a pre-GELU direction has no direct output: its effect passes through the GELU' };
  if (!point || !RESIDUAL_POINTS.has(point) || v.length !== d) return { dir: null, note: `no residual direction is known for a ${v.length}-vector at ${hook}` };
  return { dir: v, via: `its decoder row ${READOUT}` };
}

/** How much feature `feature`'s decoder row loads on unit `index`: W_dec[f, i] and W_dec[f, i]² / ‖W_dec[f]‖². */
export interface UnitLoading {
  index: number;
  value: number;
  fraction: number;
}

// Ordered by |W_dec[f, i]|, how much a feature writes on the unit, not by the scale-free fraction: the fraction ranks
// a near-silent row concentrated on the unit above a large one spread out. Within one row the two orders agree.
const byMagnitude = (a: UnitLoading, b: UnitLoading) => Math.abs(b.value) - Math.abs(a.value) || a.index - b.index;

function rowNormSq(wDec: Float32Array, dIn: number, f: number): number {
  let s = 0;
  for (let c = f * dIn; c < (f + 1) * dIn; c++) s += wDec[c] * wDec[c];
  return s;
}

/** ‖W_dec[f]‖² of every row [d_sae]: worth keeping with an opened SAE, as every unit's loadings need them all. */
export function decoderNormsSq(wDec: Float32Array, dIn: number): Float64Array {
  return Float64Array.from({ length: wDec.length / dIn }, (_, f) => rowNormSq(wDec, dIn, f));
}

/**
 * The `k` features (rows of W_dec [d_sae, d_in]) with the largest |W_dec[f, unit]|: those that write most on the
 * unit. `normsSq` [d_sae] is decoderNormsSq(wDec, dIn), computed here when not given.
 */
export function featuresOnUnit(wDec: Float32Array, dIn: number, unit: number, k: number, normsSq = decoderNormsSq(wDec, dIn)): UnitLoading[] {
  const dSae = wDec.length / dIn;
  if (normsSq.length !== dSae) throw new RangeError(`featuresOnUnit: ${normsSq.length} row norms for ${dSae} decoder rows`);
  const all: UnitLoading[] = [];
  for (let f = 0; f < dSae; f++) {
    const value = wDec[f * dIn + unit];
    all.push({ index: f, value, fraction: normsSq[f] > 0 ? (value * value) / normsSq[f] : 0 });
  }
  return all.sort(byMagnitude).slice(0, k);
}

/** The `k` units of the hook that feature `feature`'s decoder row loads most on (largest |W_dec[f, i]|). */
export function unitsOfFeature(wDec: Float32Array, dIn: number, feature: number, k: number): UnitLoading[] {
  const norm = rowNormSq(wDec, dIn, feature);
  const row = wDec.subarray(feature * dIn, (feature + 1) * dIn);
  const all = Array.from(row, (value, index) => ({ index, value, fraction: norm > 0 ? (value * value) / norm : 0 }));
  return all.sort(byMagnitude).slice(0, k);
}

/** What a hook's raw units are, for captions: MLP neurons, or dimensions of the residual stream (no privileged basis). */
export function unitNoun(hook: string): { one: string; many: string } {
  return hook.endsWith('mlp.hook_post') || hook.endsWith('mlp.hook_pre') ? { one: 'neuron', many: 'neurons' } : { one: 'dimension', many: 'residual dimensions' };
}
