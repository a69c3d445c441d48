// Attribution of one prediction: for a prompt and a target next token, how much each SAE feature (at the SAE's
// hook) and each MLP neuron (of every layer) contributes to the target's logit at the last position.
//
//   direct logit attribution (DLA)   the piece's write into the final residual read along the target's unembedding
//                                     (./decompose.ts); features + SAE error + bias terms + the rest of the residual
//                                     sum to the logit exactly (the completeness check)
//   activation × gradient            a · ∂logit/∂a through everything downstream (./last-position.ts): the first-order
//                                     total effect of removing the piece at the last position
//
// The per-feature work (encode the hook's activation, then two dot products per firing feature) runs on the GPU
// (shaders/feature_attribution.wgsl, ./features-gpu.ts) or on its CPU twin; both implement FeatureAttributor.
//
// A normalize_activations "layer_norm" SAE (OpenAI's v5) encodes LN(x) and decodes x̂ = σ·(acts·W_dec + b_dec) + μ·1,
// σ and μ the hook activation's own unbiased std and mean (src/sae/layer-norm.ts). They depend on x, not on the
// latents, so feature f writes a_f·σ·W_dec[f] into the hook and ∂logit/∂a_f = σ·(W_dec[f]·g) exactly (the out map is
// affine in the latents, with the error term x − x̂ held as SAELens' use_error_term holds it). So both readouts are
// scaled by σ before the per-feature pass (a_f·W_dec[f]·(σ·dir)), b_dec's term becomes σ·b_dec, and μ·1 is a term of
// its own. Its activations a_f are in normalised units, as the encoder saw them.
import type { Gpt2Config } from '../../core/config';
import { LabError } from '../../core/errors';
import type { Gpt2Weights } from '../../core/weights';
import type { Gpt2Model } from '../../model/gpt2';
import { encode } from '../../sae/sae';
import type { SaeConfig, SaeWeights } from '../../sae/sae';
import { layerNormStats } from '../../sae/layer-norm';
import { featureAttribution } from '../cpu/feature_attribution';
import { attributionHooks, dot, hookPath, hookReadout, outputReadout, readoutOf } from './decompose';
import { gradientAt, lastPositionGradients } from './last-position';

export interface AttributionSae {
  cfg: SaeConfig;
  weights: SaeWeights;
}

/** Encodes one activation x [d_in] and attributes every feature along dirs [2, d_in] (DLA, gradient). */
export interface FeatureAttributor {
  readonly device: 'gpu' | 'cpu';
  attribute(x: Float32Array, dirs: Float32Array): Promise<{ acts: Float32Array; out: Float32Array }>; // [d_sae], [2, d_sae]
  dispose(): void;
}

/** The CPU twin: the plain-loop encoder of src/sae/sae.ts, then src/analysis/cpu/feature_attribution.ts. */
export function cpuFeatureAttributor(sae: AttributionSae): FeatureAttributor {
  return {
    device: 'cpu',
    attribute: async (x, dirs) => {
      const { acts } = encode(sae.weights, sae.cfg, x, 1);
      return { acts, out: featureAttribution(sae.weights.W_dec, acts, dirs, sae.cfg.d_sae, sae.cfg.d_in) };
    },
    dispose: () => {},
  };
}

export type TermKind = 'features' | 'error' | 'bias' | 'upstream' | 'component';

/** One piece of the final residual: its direct contribution to the logit, and its activation × gradient. */
export interface AttributionTerm {
  name: string;
  kind: TermKind;
  dla: number;
  grad: number | null; // null for constants (ln_f's bias)
}

export interface Attribution {
  target: number;
  position: number; //      the last position, T − 1
  hook: string;
  /** The model's own logit for the target (onnxruntime, float32). */
  logit: number;
  /** The same logit from the float64 single-position forward the gradients come from. */
  recomputedLogit: number;
  sigma: number; //         ln_f's scale σ of the final residual (frozen for DLA)
  /** The model's logits after the prompt [vocab] (the target's rivals). */
  logits: Float32Array;
  /** Every piece of the final residual; their DLA sums to `logit` (completeness). */
  terms: AttributionTerm[];
  dlaSum: number;
  features: { acts: Float32Array; dla: Float32Array; grad: Float32Array }; // each [d_sae]
  neurons: { nLayer: number; inner: number; acts: Float32Array; dla: Float32Array; grad: Float32Array }; // each [nLayer · inner]
  device: 'gpu' | 'cpu';
  ms: { forward: number; gradient: number; features: number; neurons: number };
}

export class AttributionError extends LabError {}

/** How far the float64 forward may sit from onnxruntime's float32 logit (tests see ~1e-6). */
const RECOMPUTE_TOL = 1e-3;

export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/** How the attribution model must be built: the hooks it exposes, a KV cache (the gradient reuses it), last logits. */
export function attributionModelOptions(saeHook: string, cfg: Pick<Gpt2Config, 'nLayer'>) {
  return { hooks: attributionHooks(saeHook, cfg), steerAt: saeHook, kvCache: true, logits: 'last' as const };
}

/**
 * Attributes logit[target] after `ids` (BOS first) to the SAE's features and to every MLP neuron; target null: the
 * model's top prediction. `model` must be built with attributionModelOptions(sae.cfg.hook_name, cfg); `w` are its
 * weights. Throws AttributionError if the float64 forward behind the gradients does not reproduce the model's logit
 * (the KV cache or the weights are not the model's).
 */
export async function attributePrediction(
  model: Gpt2Model,
  w: Gpt2Weights,
  sae: AttributionSae,
  ids: number[],
  targetOrTop: number | null,
  features: FeatureAttributor,
): Promise<Attribution> {
  const cfg = model.cfg;
  const hook = sae.cfg.hook_name;
  const path = hookPath(hook, cfg);
  if (sae.cfg.normalize_activations === 'expected_average_only_in') throw new AttributionError('this SAE expects rescaled inputs: fold its activation scale in first');
  if (ids.length < 1) throw new AttributionError('attribution needs at least one token');
  const T = ids.length;
  const t0 = performance.now();
  const out = await model.forwardWithCache([ids], null);
  const kv = await out.present.toHost();
  out.present.dispose();
  const logits = out.logitsLast?.data ?? lastRow(out.logits?.data, T, cfg.vocabSize);
  const last = (name: string): Float32Array => {
    const h = out.hooks[name];
    if (!h) throw new AttributionError(`the attribution model does not expose ${name}: build it with attributionModelOptions`);
    const dim = h.shape[2];
    return h.data.subarray((T - 1) * dim, T * dim);
  };
  const target = targetOrTop ?? argmax(logits);
  const t1 = performance.now();

  const grads = lastPositionGradients(w, cfg, last('blocks.0.hook_resid_pre'), { keys: kv.keys, values: kv.values, length: T }, target);
  if (Math.abs(grads.logit - logits[target]) > RECOMPUTE_TOL * Math.max(1, Math.abs(logits[target]))) {
    throw new AttributionError(`the float64 forward gives logit ${grads.logit.toFixed(5)} where the model gives ${logits[target].toFixed(5)}: the gradients would not be the model's`);
  }
  const t2 = performance.now();

  const readout = readoutOf(w, cfg, target, last(`blocks.${cfg.nLayer - 1}.hook_resid_post`));
  const u = readout.u;
  const uHook = hookReadout(w, cfg, path, u); //                         [d_in]
  const gHook = gradientAt(grads, path.layer, path.point)!; //          [d_in]
  const x = last(hook);
  const ln = sae.cfg.normalize_activations === 'layer_norm' ? layerNormStats(x, 1, sae.cfg.d_in) : null;
  const norm = { sigma: ln ? ln.std[0] : 1, mu: ln ? ln.mu[0] : 0, layerNorm: ln !== null };
  const dirs = new Float32Array(2 * sae.cfg.d_in); // [2, d_in]: σ·u and σ·g, how a unit of a_f reaches the logit
  for (let c = 0; c < sae.cfg.d_in; c++) {
    dirs[c] = norm.sigma * uHook[c];
    dirs[sae.cfg.d_in + c] = norm.sigma * gHook[c];
  }
  const f = await features.attribute(x, dirs);
  const dSae = sae.cfg.d_sae;
  const dla = f.out.slice(0, dSae);
  const grad = f.out.slice(dSae, 2 * dSae);
  const t3 = performance.now();

  const terms = residualTerms({ w, sae, path, x, norm, acts: f.acts, dla, grad, uHook, gHook, u, grads, last, lnBias: readout.bias });
  const neurons = neuronAttribution(w, cfg, u, grads.mlpPost, (l) => last(`blocks.${l}.mlp.hook_post`));
  const t4 = performance.now();
  return {
    target,
    position: T - 1,
    hook,
    logit: logits[target],
    recomputedLogit: grads.logit,
    sigma: readout.sigma,
    logits: Float32Array.from(logits),
    terms,
    dlaSum: terms.reduce((s, t) => s + t.dla, 0),
    features: { acts: f.acts, dla, grad },
    neurons,
    device: features.device,
    ms: { forward: t1 - t0, gradient: t2 - t1, features: t3 - t2, neurons: t4 - t3 },
  };
}

function lastRow(all: Float32Array | undefined, T: number, V: number): Float32Array {
  if (!all) throw new AttributionError('the attribution model returns no logits');
  return all.subarray((T - 1) * V, T * V);
}

/** What residualTerms reads: the SAE's activations and attributions, both readout directions, the model's hooks. */
interface TermsInput {
  w: Gpt2Weights;
  sae: AttributionSae;
  path: ReturnType<typeof hookPath>;
  x: Float32Array; //        [d_in] the hook's activation at the last position
  /** How the decoder's output reaches the hook: x̂ = sigma·(acts·W_dec + b_dec) + mu·1 (1 and 0 unless layer_norm). */
  norm: { sigma: number; mu: number; layerNorm: boolean };
  acts: Float32Array; //     [d_sae]
  dla: Float32Array; //      [d_sae]
  grad: Float32Array; //     [d_sae]
  uHook: Float64Array; //    [d_in] the readout in the hook's space
  gHook: Float64Array; //    [d_in] the gradient at the hook
  u: Float64Array; //        [d] the readout in the residual stream
  grads: ReturnType<typeof lastPositionGradients>;
  last: (name: string) => Float32Array;
  lnBias: number;
}

/**
 * Features (summed), the SAE's error and b_dec (and its layer_norm mean), the MLP output bias, the upstream residual,
 * later components, ln_f's bias.
 */
function residualTerms({ w, sae, path, x, norm, acts, dla, grad, uHook, gHook, u, grads, last, lnBias }: TermsInput): AttributionTerm[] {
  const dIn = sae.cfg.d_in;
  const { sigma, mu } = norm;
  // error = x − (σ·(Σ_f a_f W_dec[f] + b_dec) + μ·1), in float64 from the same activations the features used
  const err = Float64Array.from(x);
  const bDec = Float64Array.from(sae.weights.b_dec, (b) => sigma * b); // σ·b_dec [d_in]
  for (let c = 0; c < dIn; c++) err[c] -= bDec[c] + mu;
  for (let j = 0; j < acts.length; j++) {
    const a = acts[j];
    if (a === 0) continue;
    const row = sae.weights.W_dec.subarray(j * dIn, (j + 1) * dIn);
    const k = sigma * a;
    for (let c = 0; c < dIn; c++) err[c] -= k * row[c];
  }
  let sumDla = 0;
  let sumGrad = 0;
  for (let j = 0; j < dla.length; j++) {
    sumDla += dla[j];
    sumGrad += grad[j];
  }
  const terms: AttributionTerm[] = [
    { name: `SAE features (${countNonZero(acts)} active)`, kind: 'features', dla: sumDla, grad: sumGrad },
    { name: 'SAE error (x − x̂)', kind: 'error', dla: dot(err, uHook), grad: dot(err, gHook) },
    { name: norm.layerNorm ? 'SAE b_dec (·σ)' : 'SAE b_dec', kind: 'bias', dla: dot(bDec, uHook), grad: dot(bDec, gHook) },
  ];
  if (norm.layerNorm) {
    // μ·1: the row mean layer_norm put back. Zero along residual readouts (u and the gradient are centred: every
    // reader of the residual stream is a LayerNorm), not through W_out for an SAE on MLP neurons.
    const ones = new Float64Array(dIn).fill(mu);
    terms.push({ name: 'SAE layer_norm mean (μ·1)', kind: 'bias', dla: dot(ones, uHook), grad: dot(ones, gHook) });
  }
  if (path.throughMlpOut) {
    const bOut = w.blocks[path.layer].mlpProjB;
    terms.push({ name: `blocks.${path.layer}.mlp b_out`, kind: 'bias', dla: dot(bOut, u), grad: dot(bOut, grads.mlpOut[path.layer]) });
  }
  if (path.upstream) {
    const r = last(path.upstream);
    const g = gradientAt(grads, path.layer, path.upstream.split('.').slice(2).join('.'))!;
    terms.push({ name: `${path.upstream} (residual before the hook writes)`, kind: 'upstream', dla: dot(r, u), grad: dot(r, g) });
  }
  for (const name of path.downstream) {
    const layer = Number(name.split('.')[1]);
    const c = last(name);
    const g = name.endsWith('hook_attn_out') ? grads.attnOut[layer] : grads.mlpOut[layer];
    terms.push({ name, kind: 'component', dla: dot(c, u), grad: dot(c, g) });
  }
  terms.push({ name: 'ln_final bias β·W_U', kind: 'bias', dla: lnBias, grad: null });
  return terms;
}

function countNonZero(a: Float32Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) n++;
  return n;
}

/** Every MLP neuron of every layer at the last position: act · (W_out[i]·u) and act · ∂logit/∂act. */
function neuronAttribution(w: Gpt2Weights, cfg: Gpt2Config, u: Float64Array, gPost: Float64Array[], post: (l: number) => Float32Array): Attribution['neurons'] {
  const inner = cfg.nInner;
  const n = cfg.nLayer * inner;
  const acts = new Float32Array(n);
  const dla = new Float32Array(n);
  const grad = new Float32Array(n);
  for (let l = 0; l < cfg.nLayer; l++) {
    const a = post(l);
    const r = outputReadout(w, cfg, l, u);
    for (let i = 0; i < inner; i++) {
      acts[l * inner + i] = a[i];
      dla[l * inner + i] = a[i] * r[i];
      grad[l * inner + i] = a[i] * gPost[l][i];
    }
  }
  return { nLayer: cfg.nLayer, inner, acts, dla, grad };
}

/** Indices of the `k` largest |values| (ties: lower index first). */
export function topByMagnitude(values: Float32Array, k: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) idx.push(i);
  return idx.sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]) || a - b).slice(0, k);
}
