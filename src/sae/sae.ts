// A sparse autoencoder's config and parameters, named as SAELens names them, with a plain-loop CPU encode/decode.
// This is the reference the GPU kernels and the trainer are checked against, and what ./saelens.ts saves and loads.
//
//   x'    = x, or LN(x) per row under normalize_activations "layer_norm" (./layer-norm.ts)
//   pre   = (x' − b_dec·[apply_b_dec_to_input]) · W_enc + b_enc     [n, d_sae]
//   acts  = act(pre)              (per architecture: ./architectures.ts)
//   x̂     = acts · W_dec + b_dec, then ·σ + μ per row under "layer_norm"   [n, d_in]
import { LabError } from '../core/errors';
import { ARCHITECTURES, type SaeArchitecture, isSaeArchitecture, topkIndices } from './architectures';
import { type LayerNormStats, layerNormIn, layerNormOutInPlace } from './layer-norm';

export { ARCHITECTURES, isSaeArchitecture, topkIndices, type SaeArchitecture, type LayerNormStats };

/** A config that cannot describe a runnable SAE (unknown architecture, missing k, bad sizes...). */
export class SaeConfigError extends LabError {}

/** SAE parameters that do not match their config (missing tensor, wrong shape). */
export class SaeWeightsError extends LabError {}

export interface SaeConfig {
  architecture: SaeArchitecture;
  d_in: number;
  d_sae: number;
  k?: number; //                   topk: latents per row (integer); batchtopk: average per row over a batch
  l1Coefficient?: number; //       standard: training's sparsity penalty (provenance only)
  dtype: 'float32'; //             parameters are always held as float32 here, whatever the file stored
  apply_b_dec_to_input: boolean;
  /**
   * 'expected_average_only_in': inputs are multiplied by a dataset-wide scale s before encoding (training only: the
   * scale is folded into the weights on save and load). 'layer_norm': each row is normalised before encoding and
   * the reconstruction scaled back after decoding (SAELens' run-time LayerNorm, OpenAI's v5 SAEs: ./layer-norm.ts).
   */
  normalize_activations: NormalizeActivations;
  hook_name: string; //            TransformerLens hook, e.g. "blocks.8.hook_resid_pre"
  model_name: string;
  context_size: number;
  prepend_bos: boolean;
  dataset?: string;
  /**
   * The TransformerLens weight processing of the activations it reads, in full (SAELens'
   * model_from_pretrained_kwargs with every absent key filled with SAELens' defaults). Absent: SAELens' defaults.
   */
  model_from_pretrained_kwargs?: Record<string, boolean>;
}

export type NormalizeActivations = 'none' | 'expected_average_only_in' | 'layer_norm';
export const NORMALIZE_ACTIVATIONS: readonly NormalizeActivations[] = ['none', 'expected_average_only_in', 'layer_norm'];

export interface SaeWeights {
  W_enc: Float32Array; //      [d_in, d_sae] row-major
  b_enc: Float32Array; //      [d_sae]
  W_dec: Float32Array; //      [d_sae, d_in]
  b_dec: Float32Array; //      [d_in]
  threshold?: Float32Array; // [d_sae], jumprelu only
}

export interface SaeEncoding {
  pre: Float32Array; //  [n, d_sae] pre-activations
  acts: Float32Array; // [n, d_sae] dense activations (mostly zeros)
  /** "layer_norm": each input row's μ and σ, which decode needs to scale the reconstruction back; else null. */
  norm: LayerNormStats | null;
}

/** SAELens' jumprelu_init_threshold: a new JumpReLU SAE starts with every latent's threshold at this value. */
export const JUMPRELU_INIT_THRESHOLD = 0.001;

/** Throws SaeConfigError unless `cfg` describes a runnable SAE; returns it for chaining. */
export function validateSaeConfig(cfg: SaeConfig): SaeConfig {
  if (!isSaeArchitecture(cfg.architecture)) {
    throw new SaeConfigError(`architecture ${JSON.stringify(cfg.architecture)} is not one of ${Object.keys(ARCHITECTURES).join(', ')}`);
  }
  for (const key of ['d_in', 'd_sae'] as const) {
    if (!Number.isInteger(cfg[key]) || cfg[key] < 1) throw new SaeConfigError(`${key} must be a positive integer, got ${JSON.stringify(cfg[key])}`);
  }
  if (ARCHITECTURES[cfg.architecture].usesK) {
    const k = cfg.k;
    if (typeof k !== 'number' || !(k > 0) || k > cfg.d_sae) {
      throw new SaeConfigError(`a ${cfg.architecture} SAE needs k in (0, d_sae = ${cfg.d_sae}], got ${JSON.stringify(k)}`);
    }
    if (cfg.architecture === 'topk' && !Number.isInteger(k)) throw new SaeConfigError(`a topk SAE needs an integer k, got ${k}`);
  }
  if (!NORMALIZE_ACTIVATIONS.includes(cfg.normalize_activations)) {
    throw new SaeConfigError(`normalize_activations ${JSON.stringify(cfg.normalize_activations)} is not one of ${NORMALIZE_ACTIVATIONS.join(', ')}`);
  }
  if (cfg.normalize_activations === 'layer_norm' && cfg.d_in < 2) {
    throw new SaeConfigError(`normalize_activations "layer_norm" divides each row by its unbiased std, which needs d_in ≥ 2 (got ${cfg.d_in})`);
  }
  return cfg;
}

/** Throws SaeWeightsError naming the first tensor whose length does not match cfg. */
export function checkSaeWeights(cfg: SaeConfig, w: SaeWeights): void {
  const { d_in, d_sae } = cfg;
  const want: [keyof SaeWeights, number, string][] = [
    ['W_enc', d_in * d_sae, `[d_in, d_sae] = [${d_in}, ${d_sae}]`],
    ['b_enc', d_sae, `[d_sae] = [${d_sae}]`],
    ['W_dec', d_sae * d_in, `[d_sae, d_in] = [${d_sae}, ${d_in}]`],
    ['b_dec', d_in, `[d_in] = [${d_in}]`],
  ];
  if (cfg.architecture === 'jumprelu') want.push(['threshold', d_sae, `[d_sae] = [${d_sae}]`]);
  for (const [name, len, shape] of want) {
    const t = w[name];
    if (!t) throw new SaeWeightsError(`${cfg.architecture} SAE weights lack ${name} ${shape}`);
    if (t.length !== len) throw new SaeWeightsError(`${name} has ${t.length} values, expected ${shape} = ${len}`);
  }
}

/** A seeded PRNG (mulberry32): uniform floats in [0, 1), the same sequence on every platform. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The standard init: decoder rows are random unit vectors (isotropic: normalized Gaussians), the encoder is the
 * decoder's transpose so each latent starts by reading the direction it writes, biases are zero. JumpReLU
 * thresholds start at JUMPRELU_INIT_THRESHOLD.
 */
export function initSae(cfg: SaeConfig, seed: number): SaeWeights {
  validateSaeConfig(cfg);
  const { d_in, d_sae } = cfg;
  const rand = mulberry32(seed);
  const W_dec = new Float32Array(d_sae * d_in); // [d_sae, d_in]
  const row = new Float64Array(d_in);
  for (let j = 0; j < d_sae; j++) {
    let norm2 = 0;
    for (let c = 0; c < d_in; c += 2) {
      // Box–Muller: two independent N(0, 1) per pair of uniforms; 1 − u keeps the log finite.
      const r = Math.sqrt(-2 * Math.log(1 - rand()));
      const phi = 2 * Math.PI * rand();
      row[c] = r * Math.cos(phi);
      if (c + 1 < d_in) row[c + 1] = r * Math.sin(phi);
    }
    for (let c = 0; c < d_in; c++) norm2 += row[c] * row[c];
    const inv = 1 / Math.sqrt(norm2);
    for (let c = 0; c < d_in; c++) W_dec[j * d_in + c] = row[c] * inv;
  }
  const W_enc = new Float32Array(d_in * d_sae); // [d_in, d_sae] = W_decᵀ
  for (let j = 0; j < d_sae; j++) for (let c = 0; c < d_in; c++) W_enc[c * d_sae + j] = W_dec[j * d_in + c];
  const w: SaeWeights = { W_enc, b_enc: new Float32Array(d_sae), W_dec, b_dec: new Float32Array(d_in) };
  if (cfg.architecture === 'jumprelu') w.threshold = new Float32Array(d_sae).fill(JUMPRELU_INIT_THRESHOLD);
  return w;
}

/**
 * The rows the encoder's matmul reads [n, d_in]: x itself, or under "layer_norm" each row normalised (float32), with
 * the stats decode needs. Every encoder (these loops, onnxruntime, WebGPU) starts here, so all see the same inputs.
 */
export function encoderInput(cfg: Pick<SaeConfig, 'normalize_activations' | 'd_in'>, x: Float32Array, n: number): { x: Float32Array; norm: LayerNormStats | null } {
  if (cfg.normalize_activations !== 'layer_norm') return { x, norm: null };
  const { x: xn, stats } = layerNormIn(x, n, cfg.d_in);
  return { x: xn, norm: stats };
}

/** How much latent writes at row r are scaled in the hook's space: σ_r under "layer_norm" (x̂ = σ·y + μ), else 1. */
export function writeScale(norm: LayerNormStats | null, r: number): number {
  return norm ? norm.std[r] : 1;
}

/** Encodes x [n, d_in] (row-major) into pre-activations and dense activations, both [n, d_sae]. */
export function encode(w: SaeWeights, cfg: SaeConfig, x: Float32Array, n: number): SaeEncoding {
  validateSaeConfig(cfg);
  checkSaeWeights(cfg, w);
  const { d_in, d_sae } = cfg;
  if (!Number.isInteger(n) || n < 0 || x.length < n * d_in) {
    throw new SaeConfigError(`encode: x holds ${x.length} values, fewer than n · d_in = ${n} · ${d_in}`);
  }
  const { W_enc, b_enc, b_dec } = w;
  const { x: xs, norm } = encoderInput(cfg, x, n); // [n, d_in]
  // sae_in [n, d_in] = x' − b_dec, rounded to float32 as the GPU sees it.
  const xin = new Float32Array(n * d_in);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < d_in; k++) xin[r * d_in + k] = cfg.apply_b_dec_to_input ? xs[r * d_in + k] - b_dec[k] : xs[r * d_in + k];
  }
  const pre = new Float32Array(n * d_sae);
  // Loop order row-k-j: the inner loop streams one row of W_enc into rows of pre. Rows go four at a time so
  // each W_enc value read from memory serves four rows (W_enc is 75 MB at GPT-2 sizes: reading it once per row
  // was most of the time). Each sum still runs over k in order with the bias last, as in the CPU matmul twin
  // and the WGSL kernel, so all round alike.
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const p0 = r * d_sae;
    const p1 = p0 + d_sae;
    const p2 = p1 + d_sae;
    const p3 = p2 + d_sae;
    for (let k = 0; k < d_in; k++) {
      const x0 = xin[r * d_in + k];
      const x1 = xin[(r + 1) * d_in + k];
      const x2 = xin[(r + 2) * d_in + k];
      const x3 = xin[(r + 3) * d_in + k];
      const wo = k * d_sae;
      for (let j = 0; j < d_sae; j++) {
        const wv = W_enc[wo + j];
        pre[p0 + j] += x0 * wv;
        pre[p1 + j] += x1 * wv;
        pre[p2 + j] += x2 * wv;
        pre[p3 + j] += x3 * wv;
      }
    }
  }
  for (; r < n; r++) {
    const po = r * d_sae;
    for (let k = 0; k < d_in; k++) {
      const xv = xin[r * d_in + k];
      const wo = k * d_sae;
      for (let j = 0; j < d_sae; j++) pre[po + j] += xv * W_enc[wo + j];
    }
  }
  for (let q = 0; q < n; q++) for (let j = 0; j < d_sae; j++) pre[q * d_sae + j] += b_enc[j];
  const acts = ARCHITECTURES[cfg.architecture].activate(pre, n, d_sae, { k: cfg.k, threshold: w.threshold });
  return { pre, acts, norm };
}

/**
 * x̂ [n, d_in] = acts [n, d_sae] · W_dec + b_dec, then (norm given: a "layer_norm" SAE's encoding.norm) · σ + μ per
 * row, back in the hook's space. Without norm a layer_norm SAE's output stays in its normalised space: pass the
 * encoding's norm (or use reconstruct). Zero activations are skipped: acts are sparse.
 */
export function decode(w: SaeWeights, acts: Float32Array, n: number, norm: LayerNormStats | null = null): Float32Array {
  const d_in = w.b_dec.length;
  const d_sae = w.b_enc.length;
  if (w.W_dec.length !== d_sae * d_in) throw new SaeWeightsError(`W_dec has ${w.W_dec.length} values, expected [d_sae, d_in] = [${d_sae}, ${d_in}]`);
  if (acts.length < n * d_sae) throw new SaeConfigError(`decode: acts holds ${acts.length} values, fewer than n · d_sae = ${n} · ${d_sae}`);
  const out = new Float32Array(n * d_in);
  for (let r = 0; r < n; r++) {
    const oo = r * d_in;
    out.set(w.b_dec, oo);
    for (let j = 0; j < d_sae; j++) {
      const a = acts[r * d_sae + j];
      if (a === 0) continue;
      const wo = j * d_in;
      for (let c = 0; c < d_in; c++) out[oo + c] += a * w.W_dec[wo + c];
    }
  }
  return norm ? layerNormOutInPlace(out, n, d_in, norm) : out;
}

/** encode then decode: the activations and the reconstruction x̂ [n, d_in] in the hook's space, whatever the mode. */
export function reconstruct(w: SaeWeights, cfg: SaeConfig, x: Float32Array, n: number): SaeEncoding & { xhat: Float32Array } {
  const enc = encode(w, cfg, x, n);
  return { ...enc, xhat: decode(w, enc.acts, n, enc.norm) };
}

/**
 * Folds a training-time input scale s (inputs were x_s = s·x) into the weights, so the result takes raw x:
 * (s·x − b_dec)·W_enc = (x − b_dec/s)·(s·W_enc), so W_enc' = s·W_enc and b_dec' = b_dec/s give the same
 * pre-activations (b_enc and the jumprelu threshold unchanged), and W_dec' = W_dec/s, b_dec' = b_dec/s give
 * x̂' = x̂_s / s. Returns new arrays; `w` is untouched.
 */
export function foldActivationScale(w: SaeWeights, s: number): SaeWeights {
  if (!Number.isFinite(s) || !(s > 0)) throw new SaeConfigError(`activation scale must be a positive finite number, got ${s}`);
  return {
    W_enc: w.W_enc.map((v) => v * s),
    b_enc: w.b_enc.slice(),
    W_dec: w.W_dec.map((v) => v / s),
    b_dec: w.b_dec.map((v) => v / s),
    ...(w.threshold ? { threshold: w.threshold.slice() } : {}),
  };
}
