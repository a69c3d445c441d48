// The toy model of superposition (Elhage et al. 2022, "Toy Models of Superposition"), trained on the CPU.
//   x ∈ Rⁿ: each feature independently 0 with probability S (the sparsity), else U[0, 1]
//   h = W x  (W: [m, n], m < n)        x' = ReLU(Wᵀ h + b)
//   loss = mean over the batch of Σ_i I_i (x_i − x'_i)²,  I_i = decayⁱ
// trained with Adam. At high sparsity the model stores more features than it has dimensions (n = 5, m = 2:
// a regular pentagon); with dense inputs it keeps only the m most important ones.
// The step is the CPU twin of the WebGPU trainer (./toy-gpu.ts): the same packed parameters (W then b), the
// same batches and initialisation, the same float32 Adam (src/sae/cpu/adam.ts).
import { LabError } from '../../core/errors';
import { gaussian, mulberry32 } from '../../core/random';
import { adamScalars, adamStep } from '../../sae/cpu/adam';
import { toyForwardBackward, toyParamCount } from './cpu/toy_forward_backward';
import { toyGradReduce } from './cpu/toy_grad_reduce';

/** A toy-model configuration that cannot be trained (the message names the field). */
export class ToyConfigError extends LabError {}

export interface ToyConfig {
  /** Features. */
  n: number;
  /** Hidden dimensions. */
  m: number;
  /** Probability that a feature is 0 in a sample, in [0, 1). */
  sparsity: number;
  /** I_i = importanceDecay^i (1 for equal importance). */
  importanceDecay: number;
  batch: number;
  steps: number;
  lr: number;
  /** Seeds the initialisation and the data stream. */
  seed: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export interface ToyResult {
  W: Float32Array; // [m, n]
  b: Float32Array; // [n]
  /** The batch loss before each step's update. */
  lossHistory: Float64Array; // [steps]
}

export function checkToyConfig(cfg: ToyConfig): void {
  const ints: [string, number][] = [['n', cfg.n], ['m', cfg.m], ['batch', cfg.batch]];
  for (const [name, v] of ints) {
    if (!Number.isInteger(v) || v < 1) throw new ToyConfigError(`toy model: ${name} = ${v} must be a positive integer`);
  }
  if (!Number.isInteger(cfg.steps) || cfg.steps < 0) throw new ToyConfigError(`toy model: steps = ${cfg.steps} must be a non-negative integer`);
  if (!(cfg.sparsity >= 0 && cfg.sparsity < 1)) throw new ToyConfigError(`toy model: sparsity = ${cfg.sparsity} must be in [0, 1) (1 would make every input 0)`);
  if (!(cfg.importanceDecay > 0 && cfg.importanceDecay <= 1)) throw new ToyConfigError(`toy model: importanceDecay = ${cfg.importanceDecay} must be in (0, 1]`);
  if (!(cfg.lr > 0)) throw new ToyConfigError(`toy model: lr = ${cfg.lr} must be positive`);
}

export function adamHyper(cfg: ToyConfig) {
  return { lr: cfg.lr, beta1: cfg.beta1 ?? 0.9, beta2: cfg.beta2 ?? 0.999, eps: cfg.eps ?? 1e-8 };
}

/** I_i = decayⁱ, float32. */
export function toyImportance(cfg: Pick<ToyConfig, 'n' | 'importanceDecay'>): Float32Array {
  return Float32Array.from({ length: cfg.n }, (_, i) => cfg.importanceDecay ** i);
}

/**
 * Packed parameters W [m, n] then b [n]: W Xavier-normal (std √(2 / (n + m))), as the paper's PyTorch
 * code initialises it, b = 0.
 */
export function initToyParams(cfg: Pick<ToyConfig, 'n' | 'm' | 'seed'>): Float32Array {
  const { n, m } = cfg;
  const normal = gaussian(mulberry32((cfg.seed ^ 0x5eed1417) >>> 0));
  const p = new Float32Array(toyParamCount(n, m));
  const std = Math.sqrt(2 / (n + m));
  for (let i = 0; i < m * n; i++) p[i] = normal() * std;
  return p;
}

/** The seeded data stream: batches of sparse inputs [batch, n]. */
export function toyBatches(cfg: Pick<ToyConfig, 'n' | 'sparsity' | 'batch' | 'seed'>): () => Float32Array {
  const rand = mulberry32(cfg.seed >>> 0);
  return () => {
    const x = new Float32Array(cfg.batch * cfg.n);
    for (let i = 0; i < x.length; i++) {
      // Two draws per value whatever the outcome, so the stream does not depend on the sparsity's effect.
      const keep = rand() >= cfg.sparsity;
      const v = rand();
      x[i] = keep ? v : 0;
    }
    return x;
  };
}

/** Loss and gradient (packed like the parameters) of one batch x [B, n], in float64. */
export function toyLossAndGrad(params: ArrayLike<number>, x: ArrayLike<number>, importance: ArrayLike<number>, n: number, m: number): { loss: number; grad: Float64Array } {
  const shape = { B: x.length / n, n, m };
  if (!Number.isInteger(shape.B)) throw new RangeError(`toy model: x has ${x.length} values, not a whole number of rows of n = ${n}`);
  return toyGradReduce(toyForwardBackward(params, x, importance, shape), x, shape);
}

/** The model's output ReLU(Wᵀ W x + b) for inputs x [B, n]. */
export function toyOutput(W: ArrayLike<number>, b: ArrayLike<number>, x: ArrayLike<number>, n: number, m: number): Float64Array {
  const B = x.length / n;
  const out = new Float64Array(B * n);
  const h = new Float64Array(m);
  for (let r = 0; r < B; r++) {
    for (let j = 0; j < m; j++) {
      h[j] = 0;
      for (let i = 0; i < n; i++) h[j] += W[j * n + i] * x[r * n + i];
    }
    for (let i = 0; i < n; i++) {
      let y = b[i];
      for (let j = 0; j < m; j++) y += W[j * n + i] * h[j];
      out[r * n + i] = Math.max(y, 0);
    }
  }
  return out;
}

export function splitToyParams(params: Float32Array, n: number, m: number): { W: Float32Array; b: Float32Array } {
  return { W: params.slice(0, m * n), b: params.slice(m * n, m * n + n) };
}

/**
 * The CPU trainer one step at a time, so a caller can look at the parameters or yield between steps:
 * step(t) (t = 1, 2, …) trains on the next batch and returns its loss before the update.
 */
export function toyCpuTrainer(cfg: ToyConfig): { params: Float32Array; step(t: number): number } {
  checkToyConfig(cfg);
  const { n, m } = cfg;
  const params = initToyParams(cfg);
  const P = params.length;
  const mom = new Float32Array(P);
  const vel = new Float32Array(P);
  const grad32 = new Float32Array(P);
  const importance = toyImportance(cfg);
  const next = toyBatches(cfg);
  const hyper = adamHyper(cfg);
  return {
    params,
    step(t) {
      const { loss, grad } = toyLossAndGrad(params, next(), importance, n, m);
      grad32.set(grad);
      adamStep(params, grad32, mom, vel, adamScalars(hyper, t));
      return loss;
    },
  };
}

export function trainToyCpu(cfg: ToyConfig): ToyResult {
  const trainer = toyCpuTrainer(cfg);
  const lossHistory = new Float64Array(cfg.steps);
  for (let t = 1; t <= cfg.steps; t++) lossHistory[t - 1] = trainer.step(t);
  return { ...splitToyParams(trainer.params, cfg.n, cfg.m), lossHistory };
}

/** Column i of W [m, n]: the m-dimensional direction feature i is written along (not normalised). */
export function featureDirections(W: ArrayLike<number>, n: number, m: number): Float64Array[] {
  return Array.from({ length: n }, (_, i) => Float64Array.from({ length: m }, (_, j) => W[j * n + i]));
}

/** ‖W[:, i]‖ per feature. */
export function featureNorms(W: ArrayLike<number>, n: number, m: number): Float64Array {
  return Float64Array.from(featureDirections(W, n, m), (d) => Math.hypot(...d));
}

/** Angle in radians between the columns of W, [n, n] (NaN where a column is 0). */
export function pairwiseAngles(W: ArrayLike<number>, n: number, m: number): Float64Array {
  const dirs = featureDirections(W, n, m);
  const norms = featureNorms(W, n, m);
  const out = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let c = 0; c < n; c++) {
      let dot = 0;
      for (let j = 0; j < m; j++) dot += dirs[a][j] * dirs[c][j];
      out[a * n + c] = Math.acos(Math.min(1, Math.max(-1, dot / (norms[a] * norms[c]))));
    }
  }
  return out;
}

/**
 * For m = 2: the features' polar angles sorted, and the gaps between consecutive ones (the last wraps round),
 * in degrees; a regular n-gon has every gap 360° / n.
 */
export function planarGaps(W: ArrayLike<number>, n: number, m: number): { positions: number[]; gaps: number[] } {
  if (m !== 2) throw new ToyConfigError(`planarGaps: needs m = 2 hidden dimensions, got m = ${m}`);
  const positions = featureDirections(W, n, m)
    .map(([x, y]) => ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360)
    .sort((a, b) => a - b);
  const gaps = positions.map((p, i) => (i + 1 < n ? positions[i + 1] - p : positions[0] + 360 - p));
  return { positions, gaps };
}

/**
 * For m = 2, the features the model represents (norm ≥ rel × the largest norm) in order of polar angle, and the
 * gap in degrees from each to the next (the last wraps round to the first). Unrepresented features sit near the
 * origin at arbitrary angles (dense inputs), so planarGaps over all n would only add noise there.
 */
export function representedGaps(W: ArrayLike<number>, n: number, m: number, rel = 0.1): { order: number[]; gaps: number[] } {
  if (m !== 2) throw new ToyConfigError(`representedGaps: needs m = 2 hidden dimensions, got m = ${m}`);
  const norms = featureNorms(W, n, m);
  const cut = rel * Math.max(0, ...norms);
  const angle = (i: number) => ((Math.atan2(W[n + i], W[i]) * 180) / Math.PI + 360) % 360;
  const order = Array.from({ length: n }, (_, i) => i)
    .filter((i) => norms[i] > 0 && norms[i] >= cut)
    .sort((a, b) => angle(a) - angle(b));
  const gaps = order.map((f, i) => (i + 1 < order.length ? angle(order[i + 1]) - angle(f) : angle(order[0]) + 360 - angle(f)));
  return { order, gaps };
}
