// Which attention heads write a direction (e.g. an SAE feature's encoder column) into the residual stream.
// Head h of a layer writes z[pos, h, :] · W_O[h] at each position, where z is blocks.L.attn.hook_z [T, head, d_head]
// and W_O[h] is rows h·d_head … (h+1)·d_head of c_proj.weight [d, d], stored [in, out] (GPT-2's Conv1D). The layer's
// attn_out is Σ_h of those plus b_O (which no head owns, so it is left out, as TransformerLens' hook_result does).
// Projected on a direction u: z[pos, h, :] · (W_O[h] · u), one scalar per (layer, head). Since the projection is linear,
// W_O[h] · u [d_head] is computed once per head and each position costs a d_head dot product.
//
// An SAE feature reads x·W_enc[:, f]; a normalize_activations "layer_norm" SAE reads LN(x)·W_enc[:, f] =
// (x − μ·1)·W_enc[:, f] / (σ + ε) (src/sae/layer-norm.ts). Holding σ fixed at the example (it depends on the whole
// activation, as direct logit attribution holds ln_f's scale), a write w then adds w·c_f / (σ + ε) to the feature's
// pre-activation, c_f = W_enc[:, f] centred over d_in (centring w along W_enc[:, f] is reading it along c_f): the
// direction is c_f, and each example's writes are scaled by its 1 / (σ + ε).
import { headDim } from '../core/config';
import type { Gpt2Config } from '../core/config';
import type { Gpt2Weights } from '../core/weights';
import { LAYER_NORM_EPS, layerNormStats } from '../sae/layer-norm';
import type { SaeConfig, SaeWeights } from '../sae/sae';

/** The direction feature f reads in its hook's space [d_in]: W_enc[:, f], centred over d_in for a layer_norm SAE. */
export function encoderDirection(cfg: Pick<SaeConfig, 'd_in' | 'd_sae' | 'normalize_activations'>, w: Pick<SaeWeights, 'W_enc'>, f: number): Float64Array {
  const u = Float64Array.from({ length: cfg.d_in }, (_, i) => w.W_enc[i * cfg.d_sae + f]); // W_enc [d_in, d_sae]: column f
  if (cfg.normalize_activations !== 'layer_norm') return u;
  let m = 0;
  for (let i = 0; i < u.length; i++) m += u[i];
  m /= u.length;
  for (let i = 0; i < u.length; i++) u[i] -= m;
  return u;
}

/** The factor on writes read along encoderDirection at an example whose hook activation is x [d_in]: 1, or 1 / (σ + ε). */
export function encoderReadScale(cfg: Pick<SaeConfig, 'normalize_activations'>, x: ArrayLike<number>): number {
  if (cfg.normalize_activations !== 'layer_norm') return 1;
  return 1 / (layerNormStats(x, 1, x.length).std[0] + LAYER_NORM_EPS);
}

export interface HeadWriteWeights {
  /** Per included layer, c_proj.weight [d, d] stored [in, out]; the weights the model's hook_z was computed under. */
  wO: Float32Array[];
  nHead: number;
  dHead: number;
}

/** W_O of `layers` (in that order: zByLayer must list the same layers' hook_z). */
export function headWriteWeights(w: Gpt2Weights, cfg: Gpt2Config, layers: number[]): HeadWriteWeights {
  return { wO: layers.map((l) => w.blocks[l].attnProjW), nHead: cfg.nHead, dHead: headDim(cfg) };
}

/** Per layer, W_O · u as [head, d_head] (float64): what z is dotted with to give each head's write along u. */
export function headDirections(weights: HeadWriteWeights, direction: ArrayLike<number>): Float64Array[] {
  const { nHead, dHead } = weights;
  const d = nHead * dHead;
  if (direction.length !== d) throw new Error(`a direction of ${direction.length} values for a residual stream of ${d}`);
  return weights.wO.map((wO) => {
    const v = new Float64Array(d); // row i of W_O (i = h·d_head + c) dotted with u
    for (let i = 0; i < d; i++) {
      let acc = 0;
      const row = i * d;
      for (let o = 0; o < d; o++) acc += wO[row + o] * direction[o];
      v[i] = acc;
    }
    return v;
  });
}

/**
 * Mean over `positions` of each head's write along the direction behind `dirs`, layer-major [layers·nHead], each
 * position's writes times scales[i] if given (encoderReadScale). zByLayer: hook_z of one sequence [T, head, d_head]
 * for the same layers as dirs, in the same order.
 */
export function headWritesVia(zByLayer: Float32Array[], dirs: Float64Array[], nHead: number, dHead: number, positions: number[], scales?: number[]): Float64Array {
  const out = new Float64Array(dirs.length * nHead);
  if (!positions.length) return out;
  const d = nHead * dHead;
  dirs.forEach((v, l) => {
    const z = zByLayer[l];
    positions.forEach((pos, i) => {
      if (!(pos >= 0 && (pos + 1) * d <= z.length)) throw new Error(`position ${pos} is outside layer ${l}'s hook_z (${z.length / d} positions)`);
      const k = scales ? scales[i] : 1;
      for (let h = 0; h < nHead; h++) {
        let acc = 0;
        const at = pos * d + h * dHead;
        for (let c = 0; c < dHead; c++) acc += z[at + c] * v[h * dHead + c];
        out[l * nHead + h] += k * acc;
      }
    });
  });
  for (let i = 0; i < out.length; i++) out[i] /= positions.length;
  return out;
}

/** Each head's write along `direction`, averaged over `positions`: [layers·nHead] for the layers of weights.wO. */
export function headWrites(zByLayer: Float32Array[], weights: HeadWriteWeights, positions: number[], direction: ArrayLike<number>): Float64Array {
  return headWritesVia(zByLayer, headDirections(weights, direction), weights.nHead, weights.dHead, positions);
}

/**
 * The layers whose heads write into an SAE's input at `hook`, with their heads' writes reaching it directly:
 * resid_pre L reads layers < L; resid_mid and resid_post L read layers ≤ L; attn_out L is layer L's heads alone.
 * null for any other hook (MLP, attention internals, ln_final, embeddings): head writes are not its input.
 */
export function writingLayers(hook: string): { from: number; to: number } | null {
  const m = /^blocks\.(\d+)\.(hook_resid_pre|hook_resid_mid|hook_resid_post|hook_attn_out)$/.exec(hook);
  if (!m) return null;
  const L = Number(m[1]);
  if (m[2] === 'hook_resid_pre') return L === 0 ? null : { from: 0, to: L - 1 };
  if (m[2] === 'hook_attn_out') return { from: L, to: L };
  return { from: 0, to: L };
}
