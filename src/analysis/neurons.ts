// Neuron pages: the raw units of a stored hook (an MLP neuron of blocks.l.mlp.hook_post, a residual dimension)
// as dashboard units. A unit's activation is the stored value itself, so the statistics pass runs with the
// identity for an encoder; its output direction (for the logit table) is the weight row it writes into the
// residual stream; and an SAE reading the same hook relates its features to the units through W_dec.
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

/**
 * The residual-stream direction unit `i` of `hook` writes: for an MLP neuron its c_proj row W_out[i]; for a
 * residual dimension e_i. A pre-GELU unit has none of its own (its effect passes through the non-linearity).
 */
export function outputDirection(weights: Gpt2Weights, hook: string, i: number): OutputDirection {
  const d = weights.lnFW.length;
  const block = /^blocks\.(\d+)\.(.+)$/.exec(hook);
  const point = block ? block[2] : hook;
  if (point === 'mlp.hook_post' && block) {
    const w = weights.blocks[Number(block[1])]?.mlpProjW; // [inner, d]
    if (!w || i >= w.length / d) return { dir: null, note: `${hook} has no neuron ${i} in this model` };
    return { dir: w.subarray(i * d, (i + 1) * d), via: `W_out[${i}] of ${hook.replace('.hook_post', '')} through ln_f's scale and W_U` };
  }
  if (point === 'mlp.hook_pre') return { dir: null, note: 'a pre-GELU unit has no direct output: its effect passes through the GELU (see the same neuron at mlp.hook_post)' };
  if (!RESIDUAL_POINTS.has(point) || i >= d) return { dir: null, note: `no output direction is known for unit ${i} of ${hook}` };
  const e = new Float32Array(d);
  e[i] = 1;
  return { dir: e, via: `the basis vector e_${i} of the residual stream through ln_f's scale and W_U` };
}

/**
 * The residual-stream direction [d] a vector `v` in `hook`'s basis writes (an SAE decoder row, say): itself for a
 * residual hook, v · W_out for an MLP's post-GELU units; none for pre-GELU units.
 */
export function residualDirection(weights: Gpt2Weights, hook: string, v: Float32Array): OutputDirection {
  const d = weights.lnFW.length;
  const block = /^blocks\.(\d+)\.(.+)$/.exec(hook);
  const point = block ? block[2] : hook;
  const w = block && point === 'mlp.hook_post' ? weights.blocks[Number(block[1])]?.mlpProjW : undefined; // [inner, d]
  if (w && v.length * d === w.length) {
    const out = new Float32Array(d);
    for (let i = 0; i < v.length; i++) for (let c = 0; c < d; c++) out[c] += v[i] * w[i * d + c];
    return { dir: out, via: `its decoder row through W_out of ${hook.replace('.hook_post', '')}, ln_f's scale and W_U` };
  }
  if (point === 'mlp.hook_pre') return { dir: null, note: 'a pre-GELU direction has no direct output: its effect passes through the GELU' };
  if (!RESIDUAL_POINTS.has(point) || v.length !== d) return { dir: null, note: `no residual direction is known for a ${v.length}-vector at ${hook}` };
  return { dir: v, via: "its decoder row through ln_f's scale and W_U" };
}

/** How much feature `feature`'s decoder row loads on unit `index`: W_dec[f, i] and W_dec[f, i]² / ‖W_dec[f]‖². */
export interface UnitLoading {
  index: number;
  value: number;
  fraction: number;
}

const byMagnitude = (a: UnitLoading, b: UnitLoading) => Math.abs(b.value) - Math.abs(a.value) || a.index - b.index;

function rowNormSq(wDec: Float32Array, dIn: number, f: number): number {
  let s = 0;
  for (let c = f * dIn; c < (f + 1) * dIn; c++) s += wDec[c] * wDec[c];
  return s;
}

/** The `k` features (rows of W_dec [d_sae, d_in]) with the largest |W_dec[f, unit]|: those that write most on the unit. */
export function featuresOnUnit(wDec: Float32Array, dIn: number, unit: number, k: number): UnitLoading[] {
  const dSae = wDec.length / dIn;
  const all: UnitLoading[] = [];
  for (let f = 0; f < dSae; f++) {
    const value = wDec[f * dIn + unit];
    const norm = rowNormSq(wDec, dIn, f);
    all.push({ index: f, value, fraction: norm > 0 ? (value * value) / norm : 0 });
  }
  return all.sort(byMagnitude).slice(0, k);
}

/** The `k` units of the hook that feature `feature`'s decoder row loads most on: the neurons it is made of. */
export function unitsOfFeature(wDec: Float32Array, dIn: number, feature: number, k: number): UnitLoading[] {
  const norm = rowNormSq(wDec, dIn, feature);
  const row = wDec.subarray(feature * dIn, (feature + 1) * dIn);
  const all = Array.from(row, (value, index) => ({ index, value, fraction: norm > 0 ? (value * value) / norm : 0 }));
  return all.sort(byMagnitude).slice(0, k);
}
