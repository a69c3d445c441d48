// SAE training inside the engine: rows of a stored run (seeded-shuffled, looping over epochs) feed the
// trainer on the GPU (WebGPU) or on its CPU twin; stats stream to the page; the state is checkpointed to
// IndexedDB so a reload can resume the training; the result is offered as SAELens files.
import { runTl } from '../store/runs';
import { tlKwargs } from '../core/tl-settings';
import { LabError, quotaMessage, withQuota } from '../core/errors';
import { requestDevice } from '../gpu/device';
import type { SaeLensFiles } from '../sae/saelens';
import { fastCpuStepper } from '../sae/train/cpu-fast-step';
import { type StepperFactory, gpuStepper, toSaeLens, trainSae } from '../sae/train/trainer';
import { type DensityHistogram, densityHistogram, featureDensity } from '../sae/train/density';
import { type StandardTrainConfig, initStandardParams, standardCpuStepper, standardTrainConfig } from '../sae/train/standard-step';
import { standardGpuStepper } from '../sae/train/standard-gpu-step';
import { type JumpReluTrainConfig, initJumpReluParams, jumpreluCpuStepper, jumpreluTrainConfig } from '../sae/train/jumprelu-step';
import { type SaeTrainState, trainConfig } from '../sae/train/types';
import { RunReader } from '../store/reader';
import { APP_VERSION, type SaeTrainingRecord, type StoreDb } from '../store/schema';
import type { TrainOptions, TrainProgress, TrainSummary, TrainingInfo } from './protocol';
import { trainRate, trainTotals } from './train-report';

export class TrainingBusyError extends LabError {}

const INIT_SAMPLE_ROWS = 4096;
const DEFAULT_L1 = 5; // Anthropic's λ for inputs scaled to E‖x‖ ≈ √d_in
const DEFAULT_CHECKPOINT_EVERY = 200;
const DENSITY_ROWS = 2048; // rows of the init sample encoded at each checkpoint for the density histogram

async function* epochs(reader: RunReader, hook: string, batchSize: number, seed: number, skip: number): AsyncGenerator<Float32Array> {
  let seen = 0;
  for (let epoch = 0; ; epoch++) {
    let any = false;
    for await (const b of reader.batches(hook, batchSize, { seed: seed + epoch, mixShards: 4 })) {
      any = true;
      if (seen++ >= skip) yield b.rows; // a resumed training skips the batches it already trained on
    }
    if (!any) return;
  }
}

/** Keeps the next batch's IndexedDB read in flight while the current step runs, so steps never wait on the store. */
export async function* prefetch<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  for (;;) {
    const cur = await next;
    if (cur.done) return;
    next = it.next();
    yield cur.value;
  }
}

/**
 * Holds a training between steps while paused: the trainer awaits its next batch, so the GPU state, Adam moments
 * and the store reader simply wait. Counts the time spent paused so throughput figures leave it out.
 */
export class PauseGate {
  private release: (() => void) | null = null;
  private waiting: Promise<void> | null = null;
  private since = 0;
  private onHeld: (() => void)[] = [];
  pausedMs = 0;

  get paused(): boolean {
    return this.waiting !== null;
  }

  set(paused: boolean): void {
    if (paused && !this.waiting) {
      this.since = performance.now();
      this.waiting = new Promise((resolve) => (this.release = resolve));
    } else if (!paused && this.waiting) {
      this.pausedMs += performance.now() - this.since;
      this.release?.();
      this.waiting = null;
      this.release = null;
    }
  }

  /**
   * Resolves once the trainer stands at the gate (the step in flight, and its progress report, are done), or at
   * once when not paused. `ended` lets a training that finishes or stops instead of reaching the gate release it.
   */
  held(ended: Promise<unknown>): Promise<void> {
    if (!this.waiting) return Promise.resolve();
    return Promise.race([new Promise<void>((resolve) => this.onHeld.push(resolve)), ended.then(() => undefined, () => undefined)]);
  }

  async *gate<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
    for await (const item of source) {
      if (this.waiting) for (const f of this.onHeld.splice(0)) f();
      while (this.waiting) await this.waiting;
      yield item;
    }
  }
}

async function initSample(reader: RunReader, hook: string): Promise<Float32Array> {
  for await (const b of reader.batches(hook, Math.min(INIT_SAMPLE_ROWS, reader.run.committedRows), { seed: 0, mixShards: 8 })) return b.rows;
  throw new LabError(`run ${reader.run.name} has no committed rows to train on`);
}

/**
 * Rows of the GPU shuffle pool: 16 batches (rows of a shard then reach the SAE spread over ~16 steps, on top of
 * the reader's shard mixing), at most the run and at most 256 MiB, never less than one batch. A resumed GPU
 * training refills its pool from where the checkpoint stopped, so it continues on the same data in a slightly
 * different order (the CPU twin, which has no pool, resumes bit-identically).
 */
export function shufflePoolRows(batchSize: number, dIn: number, runRows: number): number {
  return Math.max(batchSize, Math.min(16 * batchSize, runRows, Math.floor(2 ** 28 / (4 * dIn))));
}

/** The training loop's config for a request (older checkpoints carry no architecture: they are TopK). */
function configOf(o: TrainOptions, dIn: number) {
  const architecture = o.architecture ?? 'topk';
  // A standard or JumpReLU SAE selects no latents: its loop config only carries the shapes (k is unused there).
  if (architecture === 'standard' || architecture === 'jumprelu') return trainConfig({ dIn, dSae: dIn * o.expansion, k: 1 });
  return trainConfig({ dIn, dSae: dIn * o.expansion, k: o.k, architecture });
}

/** The standard (ReLU + L1) step's config, with L1 warm-up over the first 5% of steps (Anthropic's recipe). */
function standardOf(o: TrainOptions, dIn: number): StandardTrainConfig | null {
  if (o.architecture !== 'standard') return null;
  return standardTrainConfig({ dIn, dSae: dIn * o.expansion, l1Coefficient: o.l1Coefficient ?? DEFAULT_L1, l1WarmupSteps: Math.max(1, Math.floor(o.steps * 0.05)) });
}

/**
 * The JumpReLU step's config: SAELens' defaults, λ warmed up over the first 5% of steps (as the standard recipe),
 * and thresholds trained directly unless asked otherwise: a log threshold moves by ~θ · lr per Adam step, too
 * slowly for runs of a few thousand steps (tests/node/sae-jumprelu-planted.test.ts measures both).
 */
function jumpreluOf(o: TrainOptions, dIn: number): JumpReluTrainConfig | null {
  if (o.architecture !== 'jumprelu') return null;
  return jumpreluTrainConfig({
    dIn,
    dSae: dIn * o.expansion,
    l0WarmupSteps: Math.max(1, Math.floor(o.steps * 0.05)),
    thresholdParam: o.jumpreluThresholdParam ?? 'direct',
    ...(o.l0Coefficient !== undefined ? { l0Coefficient: o.l0Coefficient } : {}),
    ...(o.jumpreluBandwidth !== undefined ? { bandwidth: o.jumpreluBandwidth } : {}),
    ...(o.jumpreluInitThreshold !== undefined ? { initThreshold: o.jumpreluInitThreshold } : {}),
    ...(o.jumpreluSparsityLossMode !== undefined ? { sparsityLossMode: o.jumpreluSparsityLossMode } : {}),
    ...(o.jumpreluTanhScale !== undefined ? { tanhScale: o.jumpreluTanhScale } : {}),
    ...(o.preActLossCoefficient !== undefined ? { preActLossCoefficient: o.preActLossCoefficient } : {}),
  });
}

function info(r: SaeTrainingRecord): TrainingInfo {
  const { device: _device, resumeFrom: _resume, ...options } = r.options as unknown as TrainOptions;
  return { id: r.id, runId: r.runId, hook: r.hook, step: r.step, steps: r.steps, done: r.done, updatedAt: r.updatedAt, bytes: stateBytes(r.state), options };
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** The bytes of the typed arrays a checkpoint holds (weights, Adam moments, …): what it takes on disk, near enough. */
function stateBytes(v: unknown, depth = 0): number {
  if (ArrayBuffer.isView(v)) return v.byteLength;
  if (v instanceof Blob) return v.size;
  if (!v || typeof v !== 'object' || depth > 4) return 0;
  return Object.values(v).reduce((a: number, x) => a + stateBytes(x, depth + 1), 0);
}

export class SaeJobs {
  private control: AbortController | null = null;
  private gate: PauseGate | null = null;
  /** Settles when the training in progress ends (finished, stopped or failed). */
  private running: Promise<void> | null = null;
  private last: { trainingId: string; files: SaeLensFiles } | null = null;

  async train(db: StoreDb, request: TrainOptions, onProgress: (p: TrainProgress) => void, onDensity?: (h: DensityHistogram) => void): Promise<TrainSummary> {
    if (this.control) throw new TrainingBusyError('an SAE is already training: stop it first');
    const saved = request.resumeFrom ? await db.get('saeTrainings', request.resumeFrom) : undefined;
    if (request.resumeFrom && !saved) throw new LabError(`training ${request.resumeFrom} has no checkpoint in this browser`);
    if (saved?.done) throw new LabError('that training already finished');
    const opts: TrainOptions = saved ? { ...(saved.options as unknown as TrainOptions), device: request.device } : request;
    const reader = await RunReader.open(db, opts.runId);
    const dIn = reader.dimOf(opts.hook);
    const cfg = configOf(opts, dIn);
    const standard = standardOf(opts, dIn);
    const jumprelu = jumpreluOf(opts, dIn);
    if (jumprelu && opts.device === 'gpu') {
      throw new LabError('JumpReLU SAEs train on the CPU path for now (their WebGPU kernels are not written yet): choose the CPU device');
    }
    const shuffle = { rows: shufflePoolRows(opts.batchSize, dIn, reader.run.committedRows), seed: opts.seed };
    const device = opts.device === 'gpu' ? await requestDevice({ label: 'sae-trainer' }) : null;
    const stepper: StepperFactory = jumprelu
      ? jumpreluCpuStepper(jumprelu)
      : standard
      ? device
        ? standardGpuStepper(device, opts.batchSize, standard, shuffle)
        : standardCpuStepper(standard)
      : device
        ? gpuStepper(device, opts.batchSize, shuffle)
        : fastCpuStepper; // the twin's step with the encoder on ort wasm; same state, so checkpoints move between them
    const record: SaeTrainingRecord = saved ?? {
      id: `sae-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`,
      appVersion: APP_VERSION,
      runId: opts.runId,
      hook: opts.hook,
      options: { ...opts, resumeFrom: undefined } as unknown as Record<string, unknown>,
      steps: opts.steps,
      step: 0,
      inputScale: 0,
      state: null,
      done: false,
      updatedAt: Date.now(),
    };
    const resume = saved ? { state: saved.state as SaeTrainState, inputScale: saved.inputScale } : undefined;
    const sample = await initSample(reader, opts.hook);
    const densityRows = Math.min(DENSITY_ROWS, sample.length / dIn);
    const reportDensity = (state: SaeTrainState, inputScale: number) => {
      if (!onDensity) return;
      const x = sample.subarray(0, densityRows * dIn).map((v) => v * inputScale);
      onDensity(densityHistogram(featureDensity(state.params, x, densityRows, cfg, !!standard || !!jumprelu), densityRows));
    };
    this.control = new AbortController();
    let ended = () => {};
    this.running = new Promise<void>((resolve) => (ended = resolve));
    const gate = (this.gate = new PauseGate());
    const t0 = performance.now();
    const elapsed = () => performance.now() - t0 - gate.pausedMs;
    const startStep = resume?.state.step ?? 0;
    const priorMs = saved ? (saved.trainedMs ?? null) : 0;
    const clock = (done: number) => ({ done, steps: opts.steps, startStep, batchSize: opts.batchSize, sessionMs: elapsed(), priorMs });
    try {
      const result = await trainSae({
        batches: gate.gate(prefetch(epochs(reader, opts.hook, opts.batchSize, opts.seed, resume?.state.step ?? 0))),
        cfg,
        steps: opts.steps,
        schedule: { lr: opts.lr, warmupSteps: Math.min(100, Math.floor(opts.steps / 10)), decay: 'linear', decayStart: Math.floor(opts.steps * 0.8) },
        seed: opts.seed,
        sampleForInit: sample,
        stepper,
        initParams: jumprelu ? (seed) => initJumpReluParams(jumprelu, seed) : standard ? (seed) => initStandardParams(standard, seed) : undefined,
        signal: this.control.signal,
        resume,
        checkpointEvery: opts.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY,
        onCheckpoint: async (state, inputScale) => {
          // IndexedDB writes the record whole or not at all: a refused write leaves the last good checkpoint to resume.
          const kept = record.state ? `The checkpoint at step ${record.step} is kept: resume the training from it in the list of interrupted trainings` : 'No earlier checkpoint of this training was saved';
          const trainedMs = priorMs === null ? undefined : priorMs + elapsed();
          const next: SaeTrainingRecord = { ...record, state, inputScale, step: state.step, done: state.step >= opts.steps, updatedAt: Date.now(), trainedMs };
          await withQuota(
            () => db.put('saeTrainings', next),
            () => quotaMessage(`the checkpoint of the training on ${opts.hook} at step ${state.step} (${mb(stateBytes(state))})`, kept, 'resume it'),
          );
          Object.assign(record, next);
          reportDensity(state, inputScale);
        },
        onStats: (step, stats, lr) =>
          onProgress({
            step,
            steps: opts.steps,
            lr,
            loss: stats.loss,
            fvu: stats.fvu,
            auxLoss: stats.auxLoss,
            deadFraction: stats.numDead / cfg.dSae,
            l0: stats.l0 ?? cfg.k,
            elapsedMs: elapsed(),
            startStep,
            batchSize: opts.batchSize,
            ...trainRate(clock(step + 1)),
          }),
      });
      const files = this.export(record, reader);
      this.last = { trainingId: record.id, files };
      const last = result.history.at(-1);
      return {
        trainingId: record.id,
        runId: opts.runId,
        hook: opts.hook,
        dIn,
        architecture: opts.architecture ?? 'topk',
        dSae: cfg.dSae,
        k: cfg.k,
        l1Coefficient: standard?.l1Coefficient ?? null,
        l0Coefficient: jumprelu?.l0Coefficient ?? null,
        modelId: reader.run.modelId,
        batchSize: opts.batchSize,
        ...trainTotals(clock(result.state.step)),
        aborted: result.aborted,
        finalFvu: last?.fvu ?? null,
        inputScale: result.inputScale,
        device: opts.device,
        evals: null, // filled by the engine when the run's model is loaded
        evalsSkipped: null,
      };
    } finally {
      this.control = null;
      this.gate = null;
      this.running = null;
      ended();
    }
  }

  /** A stored training's SAE as SAELens files, with a name for the dashboards' list. */
  async exportForDashboards(db: StoreDb, trainingId: string): Promise<SaeLensFiles & { name: string }> {
    const record = await db.get('saeTrainings', trainingId);
    if (!record?.state) throw new LabError(`training ${trainingId} has no checkpoint in this browser`);
    const o = record.options as unknown as TrainOptions;
    const files = this.export(record, await RunReader.open(db, record.runId));
    const sparsity = o.architecture === 'jumprelu' ? `jumprelu λ${jumpreluOf(o, 1)!.l0Coefficient}` : `k${o.k}`;
    return { ...files, name: `${record.hook} ×${o.expansion} ${sparsity} · step ${record.step}` };
  }

  /** SAELens files from a checkpoint; the run supplies what cfg.json says about the model and data. */
  private export(record: SaeTrainingRecord, reader: RunReader): SaeLensFiles {
    const o = record.options as unknown as TrainOptions;
    const dIn = reader.dimOf(record.hook);
    const cfg = configOf(o, dIn);
    const run = reader.run;
    const meta = {
      hook_name: record.hook,
      model_name: run.modelId,
      context_size: run.contextLength,
      prepend_bos: true,
      dataset: run.name,
      model_from_pretrained_kwargs: tlKwargs(runTl(run)), // what the run's activations follow
    };
    const standard = standardOf(o, dIn);
    const family = standard ? { l1Coefficient: standard.l1Coefficient } : o.architecture === 'jumprelu' ? ('jumprelu' as const) : undefined;
    return toSaeLens(record.state as SaeTrainState, cfg, meta, record.inputScale, family).files;
  }

  /** Stops after the current step (a paused training is released so it can stop). */
  stop(): void {
    this.control?.abort();
    this.gate?.set(false);
  }

  /** Holds (true) or releases the training; a hold resolves once the step in flight is done and reported. */
  pause(paused: boolean): Promise<void> {
    this.gate?.set(paused);
    return paused && this.gate && this.running ? this.gate.held(this.running) : Promise.resolve();
  }

  /** Deletes a stored training and its checkpoint (not the SAEs registered from it, which hold their own weights). */
  async delete(db: StoreDb, trainingId: string): Promise<void> {
    if (this.control) throw new TrainingBusyError('an SAE is training: stop it before deleting trainings');
    await db.delete('saeTrainings', trainingId);
  }

  async list(db: StoreDb): Promise<TrainingInfo[]> {
    return (await db.getAll('saeTrainings')).map(info).sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** A training's SAE as SAELens files (cfg.json, sae_weights.safetensors): the last one, or a stored one. */
  async files(db: StoreDb, trainingId?: string): Promise<SaeLensFiles> {
    if (!trainingId || trainingId === this.last?.trainingId) {
      if (!this.last) throw new LabError('no SAE has been trained in this session yet');
      return this.last.files;
    }
    const record = await db.get('saeTrainings', trainingId);
    if (!record?.state) throw new LabError(`training ${trainingId} has no checkpoint in this browser`);
    return this.export(record, await RunReader.open(db, record.runId));
  }
}
