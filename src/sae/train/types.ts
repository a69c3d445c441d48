// Shapes, parameters and optimiser state of TopK and BatchTopK SAE training, shared by the CPU twin (./cpu-step.ts)
// and the WebGPU trainer (./gpu-step.ts). Tensor names and layouts are SAELens' (W_enc [d_in, d_sae], W_dec
// [d_sae, d_in]), so a trained SaeParams is structurally a SaeWeights of ../sae.ts.

/** The recipe (sparsify / OpenAI "Scaling and evaluating sparse autoencoders"; BatchTopK: Bussmann et al. 2024). */
export interface SaeTrainConfig {
  dIn: number;
  dSae: number;
  /**
   * 'topk' (default): each row keeps its k largest pre-activations. 'batchtopk': the batch keeps its ⌊B·k⌋
   * largest positive ones, so rows get different counts (SAELens BatchTopKTrainingSAE).
   */
  architecture?: TrainArchitecture;
  /** Latents kept per row: an integer for topk, the average over a batch for batchtopk (may be fractional). */
  k: number;
  /**
   * batchtopk: candidates per row (the per-row top-k that the batch selection picks from), an integer in
   * ⌈k⌉..min(d_sae, 256). A row that would keep more than kCand latents keeps its kCand best; StepStats.cappedRows
   * counts the rows where that may have happened. Default: min(d_sae, 256, max(64, 4·⌈k⌉)).
   */
  kCand?: number;
  /** Latents the AuxK loss may use per row (default ⌊d_in / 2⌋, capped by d_sae and the top-k kernel's 256). */
  kAux: number;
  /** Weight of the AuxK loss (default 1/32); 0 turns AuxK off. */
  auxCoef: number;
  /** A latent is dead once it has not fired for this many tokens (rows). */
  deadTokens: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export type TrainArchitecture = 'topk' | 'batchtopk';

/** The top-k kernel's limit (src/gpu/kernels/topk_rows.ts TOPK_MAX_K), which bounds k, kCand and kAux on both sides. */
export const MAX_TOPK = 1024;

/** SAELens' topk_threshold_lr: the rate of the running mean of the batch threshold (BatchTopK). */
export const THRESHOLD_EMA_RATE = 0.01;

/** The default candidates per row for batchtopk: room for rows that keep 4× the average (at least 64). */
export function defaultKCand(k: number, dSae: number): number {
  return Math.min(dSae, MAX_TOPK, Math.max(64, 4 * Math.ceil(k)));
}

/** (idx, val) slots per row of the step's selection: k for topk, kCand for batchtopk. */
export function slotsPerRow(cfg: SaeTrainConfig): number {
  return cfg.architecture === 'batchtopk' ? (cfg.kCand ?? defaultKCand(cfg.k, cfg.dSae)) : cfg.k;
}

/** Latents a batch of B rows keeps under batchtopk: ⌊B·k⌋, as SAELens' int(k · batch). */
export function batchKeep(k: number, B: number): number {
  return Math.floor(k * B);
}

/**
 * Fills in the recipe's defaults: k_aux = ⌊d_in / 2⌋, AuxK coefficient 1/32, Adam (0.9, 0.999, 1e-8), and for
 * batchtopk kCand = defaultKCand(k, d_sae).
 */
export function trainConfig(c: Pick<SaeTrainConfig, 'dIn' | 'dSae' | 'k'> & Partial<SaeTrainConfig>): SaeTrainConfig {
  const cfg: SaeTrainConfig = {
    kAux: Math.min(Math.max(1, Math.floor(c.dIn / 2)), c.dSae, MAX_TOPK),
    auxCoef: 1 / 32,
    deadTokens: 10_000_000,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    ...c,
  };
  if (cfg.architecture === 'batchtopk' && cfg.kCand === undefined) cfg.kCand = defaultKCand(cfg.k, cfg.dSae);
  checkTrainConfig(cfg);
  return cfg;
}

export function checkTrainConfig(cfg: SaeTrainConfig): void {
  const { dIn, dSae, k, kAux } = cfg;
  for (const [name, v] of [['dIn', dIn], ['dSae', dSae]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`SAE training: ${name} = ${v} must be a positive integer`);
  }
  const arch = cfg.architecture ?? 'topk';
  if (arch !== 'topk' && arch !== 'batchtopk') throw new RangeError(`SAE training: architecture ${JSON.stringify(arch)} must be "topk" or "batchtopk"`);
  const cap = Math.min(dSae, MAX_TOPK);
  if (arch === 'topk' && (!Number.isInteger(k) || k < 1 || k > cap)) {
    throw new RangeError(`SAE training: k = ${k} must be in 1..min(d_sae = ${dSae}, ${MAX_TOPK})`);
  }
  if (arch === 'batchtopk') {
    const kCand = slotsPerRow(cfg);
    if (!Number.isInteger(kCand) || kCand < 1 || kCand > cap) {
      throw new RangeError(`SAE training: kCand = ${kCand} must be in 1..min(d_sae = ${dSae}, ${MAX_TOPK})`);
    }
    if (!(k > 0) || k > kCand) {
      throw new RangeError(`SAE training: batchtopk k = ${k} (latents per row on average) must be in (0, kCand = ${kCand}]; raise kCand or lower k`);
    }
  }
  if (!Number.isInteger(kAux) || kAux < 1 || kAux > Math.min(dSae, MAX_TOPK)) {
    throw new RangeError(`SAE training: kAux = ${kAux} must be in 1..min(d_sae = ${dSae}, ${MAX_TOPK})`);
  }
  if (!(cfg.auxCoef >= 0)) throw new RangeError(`SAE training: auxCoef = ${cfg.auxCoef} must be ≥ 0`);
}

/** The four trained tensors (or their gradients, or Adam moments: same shapes). */
export interface SaeParams {
  W_enc: Float32Array; // [d_in, d_sae]
  b_enc: Float32Array; // [d_sae]
  W_dec: Float32Array; // [d_sae, d_in], rows unit-norm between steps
  b_dec: Float32Array; // [d_in]
  /** jumprelu (./jumprelu-step.ts) only, one of the two: θ = exp(log_threshold) [d_sae], or θ = relu(threshold). */
  log_threshold?: Float32Array;
  threshold?: Float32Array;
}

/** The optional jumprelu threshold parameters, trained beside PARAM_NAMES when present. */
export const THRESHOLD_PARAM_NAMES = ['log_threshold', 'threshold'] as const;

export const PARAM_NAMES = ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];

export function zerosLike(p: SaeParams): SaeParams {
  const z: SaeParams = {
    W_enc: new Float32Array(p.W_enc.length),
    b_enc: new Float32Array(p.b_enc.length),
    W_dec: new Float32Array(p.W_dec.length),
    b_dec: new Float32Array(p.b_dec.length),
  };
  for (const name of THRESHOLD_PARAM_NAMES) if (p[name]) z[name] = new Float32Array(p[name].length);
  return z;
}

export function cloneParams(p: SaeParams): SaeParams {
  const c: SaeParams = { W_enc: p.W_enc.slice(), b_enc: p.b_enc.slice(), W_dec: p.W_dec.slice(), b_dec: p.b_dec.slice() };
  for (const name of THRESHOLD_PARAM_NAMES) if (p[name]) c[name] = p[name].slice();
  return c;
}

/** Everything a training step reads and updates. */
export interface SaeTrainState {
  params: SaeParams;
  /** Adam first and second moments. */
  m: SaeParams;
  v: SaeParams;
  /** Adam steps taken so far (the bias corrections of the next step use step + 1). */
  step: number;
  /** [d_sae] tokens (rows) since each latent last fired (had a positive top-k activation); saturates at 2³² − 1. */
  sinceFired: Uint32Array;
  /**
   * batchtopk: the running mean (rate THRESHOLD_EMA_RATE, from 0, as SAELens' topk_threshold) of each batch's
   * smallest kept activation: the JumpReLU threshold the SAE is exported with. Absent for topk.
   */
  threshold?: number;
}

export function initTrainState(params: SaeParams): SaeTrainState {
  return { params, m: zerosLike(params), v: zerosLike(params), step: 0, sinceFired: new Uint32Array(params.b_enc.length) };
}

/** What one step reports (all over the batch it trained on, before the update). */
export interface StepStats {
  /** mse + auxCoef · auxLoss: the objective that was differentiated. */
  loss: number;
  /** Σ‖x − x̂‖² / B: squared error summed over d_in, mean over the batch. */
  mse: number;
  /** Σ‖x − x̂‖² / Σ‖x − mean(x)‖² (fraction of variance unexplained). */
  fvu: number;
  /** ‖e − ê‖² / ‖e − mean(e)‖² with e = x − x̂ (0 when no latent is dead). */
  auxLoss: number;
  /** Latents dead at the start of the step (their AuxK candidates). */
  numDead: number;
  /** Mean latents kept per row (positive activations / B). */
  l0?: number;
  /** batchtopk: the threshold's running mean after this step (SaeTrainState.threshold). */
  threshold?: number;
  /**
   * batchtopk: rows that kept all kCand of their candidates (with kCand < d_sae). Only these can have lost latents
   * to the kCand cap, so 0 means the step was exact batch top-k; raise kCand if it is often above 0.
   */
  cappedRows?: number;
}
