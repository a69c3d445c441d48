// A TopK SAE trained on the toy model's hidden layer h = W x (./toy-model.ts), to see whether dictionary learning
// finds the n features the model squeezed into m dimensions: each true direction W[:, i] is matched to the
// decoder row with the highest cosine. Training is the project's SAE trainer (src/sae/train/trainer.ts) on the
// WebGPU stepper when a device is given, else on its CPU twin.
// Defaults are those of the CPU recovery test (tests/node/toy-model.test.ts: n = 5, m = 2, S = 0.97 → all five
// cosines ≥ 0.95): k = 1 (inputs are mostly one feature), 1500 steps of 128 rows at lr 3e-3.
import { mulberry32 } from '../../core/random';
import { type StepperFactory, cpuStepper, gpuStepper, trainSae } from '../../sae/train/trainer';
import { trainConfig } from '../../sae/train/types';
import { featureDirections } from './toy-model';

export interface ToySaeOptions {
  W: ArrayLike<number>; // [m, n]
  n: number;
  m: number;
  /** The toy model's input sparsity (probability a feature is 0). */
  sparsity: number;
  /** Latents (default 2n). */
  dSae?: number;
  /** Latents kept per row (default 1). */
  k?: number;
  steps?: number;
  batch?: number;
  lr?: number;
  seed?: number;
  /** Runs the WGSL trainer on this device; null or absent: the CPU twin. */
  device?: GPUDevice | null;
  signal?: AbortSignal;
  onStats?(step: number, fvu: number): void;
}

export interface DirectionMatch {
  /** The dictionary row with the highest cosine. */
  latent: number;
  cosine: number;
}

export interface ToySaeResult {
  dSae: number;
  decoder: Float32Array; // [d_sae, m], unit rows
  /** Per true feature i: its best decoder row. */
  matches: DirectionMatch[];
  finalFvu: number | null;
  steps: number;
  aborted: boolean;
  device: 'gpu' | 'cpu';
}

/**
 * `rows` hidden activations h = W x [rows, m] for fresh sparse inputs x (the toy model's distribution). All-zero
 * inputs (most of them at high sparsity) give h = 0, carry nothing, and are skipped.
 */
export function toyHiddenRows(W: ArrayLike<number>, n: number, m: number, sparsity: number, rows: number, rand: () => number): Float32Array {
  const out = new Float32Array(rows * m);
  const x = new Float64Array(n);
  for (let r = 0; r < rows; ) {
    let any = false;
    for (let i = 0; i < n; i++) {
      x[i] = rand() >= sparsity ? rand() : 0;
      any ||= x[i] !== 0;
    }
    if (!any) continue;
    for (let j = 0; j < m; j++) {
      let h = 0;
      for (let i = 0; i < n; i++) h += W[j * n + i] * x[i];
      out[r * m + j] = h;
    }
    r++;
  }
  return out;
}

/** For each true direction, the row of dict [L, d] with the highest cosine (rows of either need not be unit). */
export function bestMatches(truth: ArrayLike<number>[], dict: ArrayLike<number>, d: number): DirectionMatch[] {
  const L = dict.length / d;
  return truth.map((t) => {
    const tn = Math.hypot(...Array.from(t));
    let best: DirectionMatch = { latent: -1, cosine: -Infinity };
    for (let l = 0; l < L; l++) {
      let dot = 0;
      let nn = 0;
      for (let c = 0; c < d; c++) {
        dot += t[c] * dict[l * d + c];
        nn += dict[l * d + c] ** 2;
      }
      const cos = tn > 0 && nn > 0 ? dot / (tn * Math.sqrt(nn)) : 0;
      if (cos > best.cosine) best = { latent: l, cosine: cos };
    }
    return best;
  });
}

export async function trainToySae(o: ToySaeOptions): Promise<ToySaeResult> {
  const { W, n, m } = o;
  const steps = o.steps ?? 1500;
  const batch = o.batch ?? 128;
  const seed = o.seed ?? 5;
  const cfg = trainConfig({ dIn: m, dSae: o.dSae ?? 2 * n, k: o.k ?? 1 });
  const rand = mulberry32((seed ^ 0x7a5e) >>> 0);
  const sample = toyHiddenRows(W, n, m, o.sparsity, 2048, rand);
  const batches = (async function* () {
    for (let s = 0; s < steps; s++) {
      // The CPU twin never waits on anything: give a worker's message loop a turn so a cancel can arrive.
      if (s % 100 === 99) await new Promise((r) => setTimeout(r, 0));
      yield toyHiddenRows(W, n, m, o.sparsity, batch, rand);
    }
  })();
  const stepper: StepperFactory = o.device ? gpuStepper(o.device, batch) : cpuStepper;
  const res = await trainSae({
    batches,
    cfg,
    steps,
    schedule: { lr: o.lr ?? 3e-3, warmupSteps: Math.min(50, Math.floor(steps / 10)), decay: 'linear', decayStart: Math.floor(steps * 0.8) },
    seed,
    sampleForInit: sample,
    stepper,
    signal: o.signal,
    onStats: (step, stats) => o.onStats?.(step, stats.fvu),
  });
  const decoder = res.state.params.W_dec; // [d_sae, m]; the input scale is a scalar, so directions are unchanged
  return {
    dSae: cfg.dSae,
    decoder,
    matches: bestMatches(featureDirections(W, n, m), decoder, m),
    finalFvu: res.history.at(-1)?.fvu ?? null,
    steps: res.history.length,
    aborted: res.aborted,
    device: o.device ? 'gpu' : 'cpu',
  };
}
