// An SAE declares the TransformerLens weight processing of the activations it reads (cfg.json's
// model_from_pretrained_kwargs). The lab's activations may follow other settings: a stored run's, or the
// live model's (the Hugging Face model's own, HF_RAW). Where the two differ only by a map the lab can
// undo exactly, the map is folded into the SAE's weights, so every encoder (CPU, GPU, ONNX) and every
// decoder direction works on the lab's activations unchanged. Where it cannot (centred activations for
// an SAE that reads uncentred ones: the mean is gone), the SAE is refused with what to do instead.
//
// The exact maps, per hook point (x: the lab's activation, x_sae: what the SAE was trained on):
//   centring (center_writing_weights off → on, residual-stream writes): x_sae = x − mean(x)·1. Folded into
//     the encoder: W_enc' = (I − 11ᵀ/d)·W_enc and b_enc' absorbs mean(b_dec)·Σᵢ W_enc[i]. The decoder is kept:
//     its output differs from the lab's stream by a multiple of 1, which every LayerNorm downstream removes.
//   affine (fold_ln at *.hook_normalized, the value bias at attn.hook_v / hook_z): x_sae = a ⊙ x + c per
//     dimension. Folded exactly both ways: W_enc' = diag(a)·W_enc, W_dec' = W_dec·diag(1/a), b_dec' = (b_dec − c)/a.
import type { Gpt2Config } from '../core/config';
import { headDim } from '../core/config';
import { ModelSettingsError } from '../core/errors';
import { parseHook } from '../core/hooks';
import { type TlSettings, describeTlSettings, settingsThatChange, tlKwargs, tlSettingsFromKwargs } from '../core/tl-settings';
import type { Gpt2Weights } from '../core/weights';
import type { SaeConfig, SaeWeights } from './sae';

/** The settings an SAE's activations follow (absent: SAELens' defaults). */
export function saeTl(cfg: Pick<SaeConfig, 'model_from_pretrained_kwargs'>): TlSettings {
  return tlSettingsFromKwargs(cfg.model_from_pretrained_kwargs);
}

export interface AdaptContext {
  /** What the activations the SAE will see follow, and where they come from (for messages). */
  from: TlSettings;
  fromLabel: string; //        e.g. 'run "moby" stored it' or 'the loaded model computes it'
  /** The model's weights and config: needed for the value-bias and LayerNorm maps. */
  model: { cfg: Gpt2Config; weights: Gpt2Weights } | null;
}

/** The SAE's weights as seen from activations under `ctx.from`; the input is left untouched (copies where changed). */
export function adaptSaeToSettings(cfg: SaeConfig, weights: SaeWeights, ctx: AdaptContext): SaeWeights {
  const want = saeTl(cfg);
  const { layer, point, head } = parseHook(cfg.hook_name, { nLayer: Number.MAX_SAFE_INTEGER });
  const differing = settingsThatChange(point).filter((k) => want[k] !== ctx.from[k]);
  if (differing.length === 0) return weights;
  const mismatch = () =>
    `this SAE reads ${cfg.hook_name} under ${describeTlSettings(want)}, but ${ctx.fromLabel} under ${describeTlSettings(ctx.from)}`;

  const problem = settingsProblem(cfg.hook_name, want, ctx.from);
  if (problem) throw new ModelSettingsError(`${mismatch()}: ${problem}`);
  if (differing.includes('center_writing_weights')) return centreEncoder(cfg, weights);
  const model = ctx.model;
  if (!model) throw new ModelSettingsError(`${mismatch()}; converting between them needs the model's weights: load ${cfg.model_name}`);
  const map = point.endsWith('hook_normalized') ? layerNormMap(model, layer, point, ctx.from, want) : valueBiasMap(model, layer!, head, ctx.from, want);
  if (!map) throw new ModelSettingsError(`${mismatch()}: the LayerNorm weight has a zero, so the two cannot be converted exactly`);
  return affineFold(cfg, weights, map.a, map.c);
}

/**
 * Why activations of `hook` under `from` cannot serve an SAE that reads them under `want`, or null when they
 * can (equal, or exactly convertible). The one loss: centred activations for an SAE that reads uncentred ones.
 */
export function settingsProblem(hook: string, want: TlSettings, from: TlSettings): string | null {
  const { point } = parseHook(hook, { nLayer: Number.MAX_SAFE_INTEGER });
  if (!settingsThatChange(point).includes('center_writing_weights')) return null;
  if (from.center_writing_weights && !want.center_writing_weights) {
    return (
      'those activations are centred over d_model (center_writing_weights) and the SAE reads uncentred ones, which cannot be recovered; ' +
      `harvest a run with model settings ${JSON.stringify(tlKwargs(want))}`
    );
  }
  return null;
}

/** x_sae = x − mean(x): W_enc' = (I − J)·W_enc; b_enc' = b_enc − mean(b_dec)·colsum(W_enc) (when b_dec is subtracted first). */
function centreEncoder(cfg: SaeConfig, w: SaeWeights): SaeWeights {
  const { d_in: d, d_sae: n } = cfg;
  const colMean = new Float64Array(n); // [d_sae] mean over d_in of each latent's encoder column
  for (let i = 0; i < d; i++) for (let j = 0; j < n; j++) colMean[j] += w.W_enc[i * n + j];
  for (let j = 0; j < n; j++) colMean[j] /= d;
  const W_enc = new Float32Array(d * n); // [d_in, d_sae]
  for (let i = 0; i < d; i++) for (let j = 0; j < n; j++) W_enc[i * n + j] = w.W_enc[i * n + j] - colMean[j];
  let bDecMean = 0;
  for (let i = 0; i < d; i++) bDecMean += w.b_dec[i];
  bDecMean /= d;
  const b_enc = cfg.apply_b_dec_to_input ? Float32Array.from(w.b_enc, (b, j) => b - bDecMean * colMean[j] * d) : w.b_enc;
  return { ...w, W_enc, b_enc };
}

/** x_sae = a ⊙ x + c folded into the SAE: exact for encoding and decoding. */
function affineFold(cfg: SaeConfig, w: SaeWeights, a: Float64Array, c: Float64Array): SaeWeights {
  const { d_in: d, d_sae: n } = cfg;
  const W_enc = new Float32Array(d * n);
  for (let i = 0; i < d; i++) for (let j = 0; j < n; j++) W_enc[i * n + j] = a[i] * w.W_enc[i * n + j];
  const W_dec = new Float32Array(n * d); // [d_sae, d_in]
  for (let j = 0; j < n; j++) for (let i = 0; i < d; i++) W_dec[j * d + i] = w.W_dec[j * d + i] / a[i];
  const b_dec = Float32Array.from(w.b_dec, (b, i) => (b - c[i]) / a[i]);
  let b_enc = w.b_enc;
  if (!cfg.apply_b_dec_to_input) {
    // encode = W_encᵀ·x_sae + b_enc = W_enc'ᵀ·x + (b_enc + W_encᵀ·c)
    b_enc = Float32Array.from(w.b_enc, (b, j) => {
      let acc = b;
      for (let i = 0; i < d; i++) acc += w.W_enc[i * n + j] * c[i];
      return acc;
    });
  }
  return { ...w, W_enc, b_enc, W_dec, b_dec };
}

/**
 * hook_normalized before (fold_ln) or after (no fold_ln) the LayerNorm's affine: post = γ ⊙ pre + β.
 * Null when γ has a zero (pre cannot be recovered from post).
 */
function layerNormMap(model: AdaptContext['model'] & object, layer: number | null, point: string, from: TlSettings, want: TlSettings) {
  const b = layer === null ? null : model.weights.blocks[layer];
  const [gamma, beta] = point === 'ln_final.hook_normalized' ? [model.weights.lnFW, model.weights.lnFB] : point.startsWith('ln1') ? [b!.ln1W, b!.ln1B] : [b!.ln2W, b!.ln2B];
  const d = gamma.length;
  const a = new Float64Array(d);
  const c = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    if (from.fold_ln && !want.fold_ln) {
      a[i] = gamma[i]; // the lab has pre, the SAE reads post
      c[i] = beta[i];
    } else {
      if (gamma[i] === 0) return null;
      a[i] = 1 / gamma[i]; // the lab has post, the SAE reads pre
      c[i] = -beta[i] / gamma[i];
    }
  }
  return { a, c };
}

/**
 * hook_v / hook_z lose TransformerLens' value bias under fold_value_biases: x_tl = x_raw − bias(settings). One head
 * (hook_head_index h) reads head h's d_head entries of it.
 */
function valueBiasMap(model: AdaptContext['model'] & object, layer: number, head: number | null, from: TlSettings, want: TlSettings) {
  const d = model.cfg.nEmbd;
  const wanted = valueBias(model.weights, layer, d, want);
  let shift = valueBias(model.weights, layer, d, from).map((v, i) => v - wanted[i]); // [nh·hd]
  if (head !== null) {
    const hd = headDim(model.cfg);
    shift = shift.slice(head * hd, (head + 1) * hd); // [hd]
  }
  return { a: new Float64Array(shift.length).fill(1), c: shift };
}

/** The bias TransformerLens folds out of v: b_V, plus ln_1's β through W_V when fold_ln folded it into b_V. [d] = (head, d_head). */
function valueBias(w: Gpt2Weights, layer: number, d: number, s: TlSettings): Float64Array {
  const out = new Float64Array(d);
  if (!s.fold_value_biases) return out;
  const b = w.blocks[layer];
  for (let j = 0; j < d; j++) out[j] = b.attnB[2 * d + j];
  if (s.fold_ln) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[j] += b.ln1B[i] * b.attnW[i * 3 * d + 2 * d + j];
  return out;
}
