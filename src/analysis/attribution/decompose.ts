// Direct logit attribution (DLA): the target logit at the last position written as a sum of the pieces of the
// final residual stream, each read out along one direction.
//
// GPT-2's logit for token t is  LN_f(r)·W_U[:, t] = ((r − mean r)/σ ⊙ γ + β)·W_U[:, t].  Freezing σ (it depends on
// the whole residual, not on one piece — TransformerLens' "apply_ln" with a cached scale), this is linear in r:
//
//   logit_t = r · u + β·W_U[:, t],      u = (w − mean(w)) / σ,   w = γ ⊙ W_U[:, t]
//
// (centring r is the same as centring w). Split r into the SAE hook's value and everything else that reaches the
// end, and the hook's value into features, b_dec and the SAE's error:
//
//   r_final = upstream + M(x) + Σ downstream components,     x = Σ_f a_f W_dec[f] + b_dec + error
//
// (for a normalize_activations "layer_norm" SAE, x = σ·(Σ_f a_f W_dec[f] + b_dec) + μ·1 + error: ./attribute.ts)
//
// where M maps the hook into the residual (identity for residual-stream hooks, x·W_out + b_out for MLP neurons).
// Every term is read along u; their sum is the model's logit exactly, up to float rounding: the completeness check.
import type { Gpt2Config } from '../../core/config';
import { LabError } from '../../core/errors';
import { parseHook } from '../../core/hooks';
import type { Gpt2Weights } from '../../core/weights';
import { matVec, normStats } from './last-position';

export class AttributionHookError extends LabError {}

/** The readout direction u [d] of one target token, and the bias term β·W_U[:, t]. */
export interface Readout {
  u: Float64Array; // [d]
  sigma: number; //   ln_f's √(var + ε) of the final residual
  bias: number; //    β · W_U[:, t]
}

export function readoutOf(w: Gpt2Weights, cfg: Gpt2Config, target: number, rFinal: Float32Array): Readout {
  const d = cfg.nEmbd;
  const sigma = 1 / normStats(rFinal, cfg.layerNormEps).invStd;
  const wU = w.wte.subarray(target * d, (target + 1) * d);
  const u = new Float64Array(d);
  let wMean = 0;
  for (let c = 0; c < d; c++) wMean += (u[c] = w.lnFW[c] * wU[c]);
  wMean /= d;
  let bias = 0;
  for (let c = 0; c < d; c++) {
    u[c] = (u[c] - wMean) / sigma;
    bias += w.lnFB[c] * wU[c];
  }
  return { u, sigma, bias };
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * How an SAE hook's value reaches the final residual: which hook holds the residual before it writes (null when the
 * hook IS the residual stream), whether it writes through the MLP's output matrix, and the components added later.
 */
export interface HookPath {
  layer: number;
  point: string;
  upstream: string | null;
  throughMlpOut: boolean;
  downstream: string[]; // hook_attn_out / hook_mlp_out names, in forward order
}

const SUPPORTED = ['hook_resid_pre', 'hook_attn_out', 'hook_resid_mid', 'mlp.hook_post', 'hook_mlp_out', 'hook_resid_post'];

export function hookPath(hook: string, cfg: Pick<Gpt2Config, 'nLayer'>): HookPath {
  const { layer, point } = parseHook(hook, cfg);
  if (layer === null || !SUPPORTED.includes(point)) {
    throw new AttributionHookError(`attribution reads an SAE on the residual stream, an attention or MLP output, or MLP neurons (${SUPPORTED.join(', ')}); this SAE reads ${hook}`);
  }
  const after: string[] = [];
  if (point === 'hook_resid_pre') after.push(`blocks.${layer}.hook_attn_out`);
  if (['hook_resid_pre', 'hook_attn_out', 'hook_resid_mid'].includes(point)) after.push(`blocks.${layer}.hook_mlp_out`);
  for (let l = layer + 1; l < cfg.nLayer; l++) after.push(`blocks.${l}.hook_attn_out`, `blocks.${l}.hook_mlp_out`);
  const upstream = point === 'hook_attn_out' ? `blocks.${layer}.hook_resid_pre` : point === 'mlp.hook_post' || point === 'hook_mlp_out' ? `blocks.${layer}.hook_resid_mid` : null;
  return { layer, point, upstream, throughMlpOut: point === 'mlp.hook_post', downstream: after };
}

/** The hook outputs an attribution reads at the last position, besides the SAE's own hook. */
export function attributionHooks(saeHook: string, cfg: Pick<Gpt2Config, 'nLayer'>): string[] {
  const path = hookPath(saeHook, cfg);
  const names = new Set<string>([saeHook, 'blocks.0.hook_resid_pre', `blocks.${cfg.nLayer - 1}.hook_resid_post`, ...path.downstream]);
  if (path.upstream) names.add(path.upstream);
  for (let l = 0; l < cfg.nLayer; l++) names.add(`blocks.${l}.mlp.hook_post`);
  return [...names];
}

/** The hook's direction in its own space: u for residual-stream hooks, W_out·u for MLP neurons ([dim]). */
export function hookReadout(w: Gpt2Weights, cfg: Gpt2Config, path: HookPath, u: Float64Array): Float64Array {
  if (!path.throughMlpOut) return u;
  return outputReadout(w, cfg, path.layer, u);
}

/** W_out[l] [inner, d] · u [d]: each MLP neuron's output row read along u ([inner]). */
export function outputReadout(w: Gpt2Weights, cfg: Gpt2Config, layer: number, u: Float64Array): Float64Array {
  return matVec(w.blocks[layer].mlpProjW, u, cfg.nInner, cfg.nEmbd);
}
