// The TopK / BatchTopK SAE training loop, independent of where the step runs (the CPU twin ./cpu-step.ts or the
// WebGPU trainer ./gpu-step.ts, each behind a Stepper):
//
//   s     = estimateInputScale(sample)              (./recipe.ts; inputs are trained on as s·x)
//   state = initSaeParams(cfg, seed), b_dec = initDecoderBias(s·sample)
//   for step in 0..steps−1:  x = s · next batch,  stats = stepper.step(x, B, lr(step))
//
// then toSaeLens() folds s back out, so the saved SAE takes raw activations.
import { createGpuTrainer } from './gpu-step';
import type { GpuTrainerOf } from './gpu-state';
import { CpuShufflePool, GpuShufflePool } from './gpu-shuffle';
import { cpuTrainStep, initSaeParams } from './cpu-step';
import { jumpreluThresholds } from './jumprelu-thresholds';
import { type DecoderBiasInit, estimateInputScale, initDecoderBias } from './recipe';
import { mulberry32 } from './rng';
import { type LrSchedule, lrSchedule } from './schedule';
import { type SaeParams, type SaeTrainConfig, type SaeTrainState, type StepStats, checkTrainConfig, initTrainState } from './types';
import { type SaeConfig, SaeConfigError, type SaeWeights } from '../sae';
import { type SaeLensFiles, saveSaeLens } from '../saelens';

/** One training step somewhere (CPU or GPU), over the state it was made with. */
export interface Stepper {
  /** Trains on x [B, d_in] (already scaled) at rate lr; returns the batch's statistics. */
  step(x: Float32Array, B: number, lr: number): Promise<StepStats> | StepStats;
  /** The trained state (the GPU stepper reads it back). */
  state(): Promise<SaeTrainState> | SaeTrainState;
  /** Frees what the stepper made (GPU buffers). */
  dispose?(): void;
  /**
   * Takes x [B, d_in] into the stepper's own shuffle buffer instead of training on it (true), while that buffer
   * fills; steps then draw their rows from it. Absent: every batch is trained on as it comes.
   */
  absorb?(x: Float32Array, B: number): boolean;
}

/** Makes a Stepper over a freshly initialised state (after b_dec is set, so a GPU stepper uploads it). */
export type StepperFactory = (state: SaeTrainState, cfg: SaeTrainConfig) => Stepper;

/** The CPU twin: updates `state` in place. */
export function cpuStepper(state: SaeTrainState, cfg: SaeTrainConfig): Stepper {
  return { step: (x, B, lr) => cpuTrainStep(state, x, B, cfg, lr), state: () => state };
}

/** The CPU twin behind the CPU twin of the GPU shuffle pool: trains exactly what gpuStepper(…, shuffle) trains. */
export function cpuShuffledStepper(maxBatch: number, shuffle: { rows: number; seed: number }): StepperFactory {
  return (state, cfg) => {
    const pool = new CpuShufflePool({ rows: shuffle.rows, d: cfg.dIn, maxBatch, seed: shuffle.seed });
    return {
      step: (x, B, lr) => cpuTrainStep(state, pool.draw(x, B), B, cfg, lr),
      absorb: (x) => !pool.full && (pool.fill(x), true),
      state: () => state,
    };
  };
}

/**
 * The WebGPU trainer (./gpu-step.ts) over `device`, batches of at most `maxBatch` rows. Reads the statistics
 * back after every step (simple, and it keeps the CPU from queueing steps unboundedly ahead of the GPU).
 * With `shuffle`, a GPU shuffle pool of `shuffle.rows` rows (./gpu-shuffle.ts) sits between the store and the
 * step: the first batches fill it, then each step trains on B rows drawn from it.
 */
export function gpuStepper(device: GPUDevice, maxBatch: number, shuffle?: { rows: number; seed: number }): StepperFactory {
  return (state, cfg) => trainerStepper(device, createGpuTrainer(device, cfg, state, maxBatch), cfg.dIn, shuffle);
}

/** What trainerStepper needs of a WebGPU trainer (./gpu-step.ts, ./standard-gpu-step.ts). */
export type StepEncoder = Pick<GpuTrainerOf<unknown, StepStats>, 'step' | 'maxBatch' | 'trainStep' | 'readStats' | 'readState' | 'destroy'>;

/** A Stepper over a WebGPU trainer, with the GPU shuffle pool in front of it when `shuffle` is given. */
export function trainerStepper(device: GPUDevice, trainer: StepEncoder, dIn: number, shuffle?: { rows: number; seed: number }): Stepper {
  const pool = shuffle ? new GpuShufflePool(device, { rows: shuffle.rows, d: dIn, maxBatch: trainer.maxBatch, seed: shuffle.seed }) : null;
  return {
    step: (x, B, lr) => {
      if (pool) {
        const enc = device.createCommandEncoder({ label: `sae-train-step-${trainer.step + 1}` });
        trainer.trainStep(pool.draw(x, B, enc), lr, B, enc);
        device.queue.submit([enc.finish()]);
      } else {
        trainer.trainStep(x, lr, B);
      }
      return trainer.readStats();
    },
    absorb: pool ? (x) => !pool.full && (pool.fill(x), true) : undefined,
    state: () => trainer.readState(),
    dispose: () => {
      trainer.destroy();
      pool?.destroy();
    },
  };
}

export interface TrainSaeOptions {
  /** Batches of raw (unscaled) activation rows, each [B, d_in]; B may vary. Training stops when they run out. */
  batches: AsyncIterable<Float32Array> | Iterable<Float32Array>;
  cfg: SaeTrainConfig;
  /** Steps at most. */
  steps: number;
  /** The learning-rate schedule; totalSteps defaults to `steps`. */
  schedule: LrSchedule;
  /** Seeds the parameter initialisation. */
  seed: number;
  /** Raw activation rows [n, d_in] for the input scale and the b_dec init (a few thousand rows is plenty). */
  sampleForInit: Float32Array;
  /** How b_dec starts (default 'geometric_median', as SAELens' TopK recipes). */
  decoderBiasInit?: DecoderBiasInit;
  /** A new SAE's parameters before b_dec is set from the data (default initSaeParams: unit-norm decoder rows). */
  initParams?(seed: number): SaeParams;
  /** Where steps run (default cpuStepper). */
  stepper?: StepperFactory;
  onStats?(step: number, stats: StepStats, lr: number): void;
  /** Aborting stops training after the current step; the result holds what was trained so far. */
  signal?: AbortSignal;
  /** Continue a checkpointed run: its state (step = steps already taken) and input scale; no re-initialisation. */
  resume?: { state: SaeTrainState; inputScale: number };
  /** Called every `checkpointEvery` steps (and at the end) with the trained state so far. */
  checkpointEvery?: number;
  onCheckpoint?(state: SaeTrainState, inputScale: number): Promise<void> | void;
}

export interface TrainedStep extends StepStats {
  lr: number;
}

export interface TrainSaeResult {
  /** Parameters on the scaled inputs s·x (toSaeLens folds s out). */
  state: SaeTrainState;
  history: TrainedStep[];
  /** s: the trained SAE expects s·x. */
  inputScale: number;
  /** True when the signal stopped training before `steps`. */
  aborted: boolean;
}

export async function trainSae(o: TrainSaeOptions): Promise<TrainSaeResult> {
  const { cfg, steps } = o;
  checkTrainConfig(cfg);
  const dIn = cfg.dIn;
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`trainSae: steps = ${steps} must be a non-negative integer`);
  const inputScale = o.resume?.inputScale ?? estimateInputScale(o.sampleForInit, dIn);
  let start: SaeTrainState;
  if (o.resume) {
    start = o.resume.state;
  } else {
    const params = o.initParams ? o.initParams(o.seed) : initSaeParams(cfg, o.seed);
    const scaledSample = o.sampleForInit.map((v) => v * inputScale);
    params.b_dec.set(initDecoderBias(scaledSample, dIn, o.decoderBiasInit ?? 'geometric_median'));
    start = initTrainState(params);
  }
  const first = start.step; // global step of the first step taken here
  const stepper = (o.stepper ?? cpuStepper)(start, cfg);
  const lrAt = lrSchedule({ ...o.schedule, totalSteps: o.schedule.totalSteps ?? steps });
  const checkpoint = async () => o.onCheckpoint?.(await stepper.state(), inputScale);
  const history: TrainedStep[] = [];
  let aborted = false;
  let x = new Float32Array(0);
  try {
    for await (const raw of first < steps ? o.batches : []) {
      if (o.signal?.aborted) {
        aborted = true;
        break;
      }
      const B = raw.length / dIn;
      if (!Number.isInteger(B) || B < 1) throw new SaeConfigError(`trainSae: a batch holds ${raw.length} values, not a whole number (≥ 1) of rows of d_in = ${dIn}`);
      if (x.length !== raw.length) x = new Float32Array(raw.length);
      for (let i = 0; i < raw.length; i++) x[i] = raw[i] * inputScale;
      if (stepper.absorb?.(x, B)) continue;
      const step = first + history.length;
      const lr = lrAt(step);
      const stats = await stepper.step(x, B, lr);
      history.push({ ...stats, lr });
      o.onStats?.(step, stats, lr);
      if (step + 1 >= steps) break;
      if (o.checkpointEvery && (step + 1) % o.checkpointEvery === 0) await checkpoint();
    }
    if (!aborted && o.signal?.aborted && first + history.length < steps) aborted = true;
    await checkpoint();
    return { state: await stepper.state(), history, inputScale, aborted };
  } finally {
    stepper.dispose?.();
  }
}

/**
 * Shuffled batches of `batchSize` rows from rows [n, d] held in memory, epoch after epoch (a new seeded
 * permutation each epoch; the last partial batch of an epoch is dropped). Endless unless `epochs` is given.
 */
export function* shuffledBatches(rows: Float32Array, d: number, batchSize: number, opts: { seed: number; epochs?: number }): Generator<Float32Array> {
  const n = rows.length / d;
  if (!Number.isInteger(n) || n < batchSize || batchSize < 1) {
    throw new RangeError(`shuffledBatches: ${rows.length / d} rows of d = ${d} cannot fill a batch of ${batchSize}`);
  }
  const rand = mulberry32(opts.seed);
  const perm = Uint32Array.from({ length: n }, (_, i) => i);
  for (let epoch = 0; opts.epochs === undefined || epoch < opts.epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    for (let start = 0; start + batchSize <= n; start += batchSize) {
      const out = new Float32Array(batchSize * d);
      for (let b = 0; b < batchSize; b++) out.set(rows.subarray(perm[start + b] * d, (perm[start + b] + 1) * d), b * d);
      yield out;
    }
  }
}

/** The model and hook a trained SAE reads from (the SaeConfig fields training does not know). */
export interface SaeMeta {
  hook_name: string;
  model_name: string;
  context_size: number;
  prepend_bos: boolean;
  dataset?: string;
  model_from_pretrained_kwargs?: Record<string, boolean>; // the run's TransformerLens settings
}

export interface SaeLensExport {
  /** The config as trained (normalize_activations "expected_average_only_in") and the weights on s·x. */
  cfg: SaeConfig;
  weights: SaeWeights;
  /**
   * The SAELens folder: s folded in, so it takes raw activations and says normalize_activations "none". A
   * batchtopk SAE is saved as SAELens saves one for inference: a "jumprelu" SAE whose threshold is the running
   * batch threshold for every latent (folding leaves pre-activations, hence the threshold, unchanged).
   */
  files: SaeLensFiles;
}

/** A trained TopK, BatchTopK, standard (`family` {l1Coefficient}) or JumpReLU (`family` 'jumprelu') SAE as SAELens names it, and its SAELens files with the input scale folded in. */
export function toSaeLens(
  state: SaeTrainState,
  trainCfg: SaeTrainConfig,
  meta: SaeMeta,
  inputScale: number,
  family?: { l1Coefficient: number } | 'jumprelu',
): SaeLensExport {
  const jumprelu = family === 'jumprelu';
  const standard = typeof family === 'object' ? family : undefined;
  const batchtopk = !family && trainCfg.architecture === 'batchtopk';
  const cfg: SaeConfig = {
    architecture: jumprelu ? 'jumprelu' : standard ? 'standard' : batchtopk ? 'batchtopk' : 'topk',
    d_in: trainCfg.dIn,
    d_sae: trainCfg.dSae,
    ...(standard ? { l1Coefficient: standard.l1Coefficient } : jumprelu ? {} : { k: trainCfg.k }),
    dtype: 'float32',
    apply_b_dec_to_input: true,
    normalize_activations: 'expected_average_only_in',
    hook_name: meta.hook_name,
    model_name: meta.model_name,
    context_size: meta.context_size,
    prepend_bos: meta.prepend_bos,
    ...(meta.dataset !== undefined ? { dataset: meta.dataset } : {}),
    ...(meta.model_from_pretrained_kwargs ? { model_from_pretrained_kwargs: meta.model_from_pretrained_kwargs } : {}),
  };
  const p = state.params;
  const weights: SaeWeights = { W_enc: p.W_enc.slice(), b_enc: p.b_enc.slice(), W_dec: p.W_dec.slice(), b_dec: p.b_dec.slice() };
  // jumprelu: SAELens saves θ itself ("threshold"); pre-activations, hence θ, are unchanged by folding the scale.
  if (jumprelu) weights.threshold = jumpreluThresholds(p);
  const opts = { activationScale: inputScale, ...(batchtopk ? { batchTopkThreshold: state.threshold ?? 0 } : {}) };
  return { cfg, weights, files: saveSaeLens(cfg, weights, opts) };
}
