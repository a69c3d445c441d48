// SAE training inside the engine: rows of a stored run (seeded-shuffled, looping over epochs) feed the
// trainer on the GPU (WebGPU) or on its CPU twin; stats stream to the page; the state is checkpointed to
// IndexedDB so a reload can resume the training; the result is offered as SAELens files. A run with a held-out
// share trains on its training windows only; the held-out ones give the figures measured at each checkpoint and
// at the end (src/analysis/held-out-evals.ts).
import { runTl } from '../store/runs';
import { tlKwargs } from '../core/tl-settings';
import { LabError, quotaMessage, withQuota } from '../core/errors';
import { requestDevice } from '../gpu/device';
import type { SaeLensFiles } from '../sae/saelens';
import { type SaeLensTrainingExport, exportForSaeLens } from '../sae/saelens-export';
import { fastCpuStepper } from '../sae/train/cpu-fast-step';
import { type StepperFactory, gpuStepper, toSaeLens, trainSae } from '../sae/train/trainer';
import { type DensityHistogram, densityHistogram, featureDensity } from '../sae/train/density';
import { type StandardTrainConfig, initStandardParams, standardCpuStepper, standardTrainConfig } from '../sae/train/standard-step';
import { standardGpuStepper } from '../sae/train/standard-gpu-step';
import { type JumpReluTrainConfig, initJumpReluParams, jumpreluCpuStepper, jumpreluTrainConfig } from '../sae/train/jumprelu-step';
import { type SaeTrainState, trainConfig } from '../sae/train/types';
import { DEFAULT_L1, labL1WarmupSteps, labLrSchedule } from '../sae/train/lab-recipe';
import { type HeldOutRows, RunReader } from '../store/reader';
import { loadSaeLens } from '../sae/saelens';
import type { SaeEvalResult, SaeForEval } from '../analysis/evals';
import { HELD_OUT_EVAL, type HeldOutFigures, heldOutCadenceNote, heldOutFigures, keptTokens } from '../analysis/held-out-evals';
import { APP_VERSION, type SaeTrainingRecord, type StoreDb } from '../store/schema';
import type { TrainOptions, TrainProgress, TrainSummary, TrainingInfo } from './protocol';
import { trainRate, trainTotals } from './train-report';
import { streamExport } from './stream-record';

export class TrainingBusyError extends LabError {}

const INIT_SAMPLE_ROWS = 4096;
const DEFAULT_CHECKPOINT_EVERY = 200;
const DENSITY_ROWS = 2048; // rows of the init sample encoded at each checkpoint for the density histogram

/** The batches a training steps on: training rows only, reshuffled each epoch, after the `skip` a resume has done. */
export async function* epochs(reader: RunReader, hook: string, batchSize: number, seed: number, skip: number): AsyncGenerator<Float32Array> {
  let seen = 0;
  for (let epoch = 0; ; epoch++) {
    let any = false;
    for await (const b of reader.batches(hook, batchSize, { seed: seed + epoch, mixShards: 4 }, 'training')) {
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
  for await (const b of reader.batches(hook, Math.min(INIT_SAMPLE_ROWS, reader.run.committedRows), { seed: 0, mixShards: 8 }, 'training')) return b.rows;
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
  return standardTrainConfig({ dIn, dSae: dIn * o.expansion, l1Coefficient: o.l1Coefficient ?? DEFAULT_L1, l1WarmupSteps: labL1WarmupSteps(o.steps) });
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

/** What a training needs from the engine for its held-out figures. */
export interface HeldOutHooks {
  onFigures?: (f: HeldOutFigures) => void;
  /** CE and KL on held-out windows with the run's model, or why they cannot run now (no model, another model …). */
  faithfulness?: (runModelId: string) => ((sae: SaeForEval, windows: number[][]) => Promise<SaeEvalResult>) | string;
  /** Tokens whose rows FVU and L0 leave out, as the faithfulness eval does (default: the run's BOS). */
  excludeTokens?: number[];
}

/** The held-out sample a training measures on, read once at its start. */
interface HeldOutPlan {
  rows: HeldOutRows;
  kept: (r: number) => boolean;
  ce: { windows: number[][]; faithfulness: (sae: SaeForEval, windows: number[][]) => Promise<SaeEvalResult> } | null;
  note: string;
}

async function heldOutPlan(reader: RunReader, opts: TrainOptions, hooks: HeldOutHooks): Promise<HeldOutPlan | string> {
  if (!reader.run.heldOut) return 'this run has no held-out share (it was made before held-out splits): no held-out figures. Make a new run to get them';
  if (!reader.hasHeldOut) return 'no document of this run fell in its held-out share (too few documents for the share): no held-out figures';
  const rows = await reader.heldOutRows(opts.hook, HELD_OUT_EVAL.maxRows, HELD_OUT_EVAL.windows);
  if (rows.rowIndex.length === 0) return 'the held-out windows are not harvested yet: no held-out figures';
  const f = hooks.faithfulness?.(reader.run.modelId) ?? 'no model forward is available for CE loss and KL';
  const windows = (await reader.heldOutWindows(HELD_OUT_EVAL.ceWindows)).map((w) => w.ids).filter((ids) => ids.length >= 2);
  const ce = typeof f === 'string' || windows.length === 0 ? null : { windows, faithfulness: f };
  const cadence = heldOutCadenceNote(opts.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY);
  const note = ce ? cadence : `${cadence}; CE loss and KL skipped: ${typeof f === 'string' ? f : 'no held-out window of two tokens'}`;
  return { rows, kept: keptTokens(rows.tokenIds, hooks.excludeTokens ?? [reader.run.bosTokenId]), ce, note };
}

export class SaeJobs {
  private control: AbortController | null = null;
  private gate: PauseGate | null = null;
  /** Settles when the training in progress ends (finished, stopped or failed). */
  private running: Promise<void> | null = null;
  private last: { trainingId: string; files: SaeLensFiles } | null = null;

  async train(db: StoreDb, request: TrainOptions, onProgress: (p: TrainProgress) => void, onDensity?: (h: DensityHistogram) => void, heldOutHooks: HeldOutHooks = {}): Promise<TrainSummary> {
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
    const plan = await heldOutPlan(reader, opts, heldOutHooks);
    let heldOut: HeldOutFigures | null = null;
    let measured = 0;
    /** Held-out figures of the SAE in `state` (exported as it would be saved, so they are the saved SAE's). */
    const measureHeldOut = async (state: SaeTrainState, inputScale: number, withCe: boolean) => {
      if (typeof plan === 'string') return;
      const sae = this.saeOf(state, inputScale, record, reader);
      const rows = { x: plan.rows.rows, n: plan.rows.rowIndex.length, windows: plan.rows.windows, kept: plan.kept };
      heldOut = await heldOutFigures(state.step, sae, { rows, ce: withCe && plan.ce ? plan.ce : undefined });
      measured++;
      heldOutHooks.onFigures?.(heldOut);
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
        schedule: labLrSchedule(opts.lr, opts.steps),
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
          // The end of the training is measured after it (with CE and KL); checkpoints on the way every time.
          if (state.step < opts.steps && !this.control?.signal.aborted) await measureHeldOut(state, inputScale, (measured + 1) % HELD_OUT_EVAL.ceEvery === 0);
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
      await measureHeldOut(result.state, result.inputScale, true);
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
        heldOut,
        heldOutNote: typeof plan === 'string' ? plan : plan.note,
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
    if (record.stream) return streamExport(record);
    const o = record.options as unknown as TrainOptions;
    const files = this.export(record, await RunReader.open(db, record.runId));
    const sparsity = o.architecture === 'jumprelu' ? `jumprelu λ${jumpreluOf(o, 1)!.l0Coefficient}` : `k${o.k}`;
    return { ...files, name: `${record.hook} ×${o.expansion} ${sparsity} · step ${record.step}` };
  }

  /** SAELens files from a checkpoint; the run supplies what cfg.json says about the model and data. */
  private export(record: SaeTrainingRecord, reader: RunReader): SaeLensFiles {
    return this.filesOf(record.state as SaeTrainState, record.inputScale, record, reader);
  }

  /** A training state as the SAE its files load as (activation scale folded in): what the evals run on. */
  private saeOf(state: SaeTrainState, inputScale: number, record: SaeTrainingRecord, reader: RunReader): SaeForEval {
    const files = this.filesOf(state, inputScale, record, reader);
    return loadSaeLens({ cfgJson: JSON.parse(files['cfg.json'] as string), weights: files['sae_weights.safetensors'] as Uint8Array });
  }

  private filesOf(state: SaeTrainState, inputScale: number, record: SaeTrainingRecord, reader: RunReader): SaeLensFiles {
    const o = record.options as unknown as TrainOptions;
    const dIn = reader.dimOf(record.hook);
    const cfg = configOf(o, dIn);
    const run = reader.run;
    const meta = {
      hook_name: record.hook,
      model_name: run.modelId,
      context_size: run.contextLength,
      prepend_bos: true,
      dataset: run.dataset?.repo ?? run.name, // SAELens' dataset_path: the Hub id when the run streamed one
      model_from_pretrained_kwargs: tlKwargs(runTl(run)), // what the run's activations follow
    };
    const standard = standardOf(o, dIn);
    const family = standard ? { l1Coefficient: standard.l1Coefficient } : o.architecture === 'jumprelu' ? ('jumprelu' as const) : undefined;
    return toSaeLens(state, cfg, meta, inputScale, family).files;
  }

  /** A training's recipe as a SAELens training config and a script that trains it with SAELens (the last one, or a stored one). */
  async saeLensExport(db: StoreDb, trainingId?: string): Promise<SaeLensTrainingExport> {
    const id = trainingId ?? this.last?.trainingId;
    if (!id) throw new LabError('no SAE has been trained in this session yet');
    const record = await db.get('saeTrainings', id);
    if (!record) throw new LabError(`training ${id} is not stored in this browser`);
    const o = record.options as unknown as TrainOptions;
    const reader = await RunReader.open(db, record.runId);
    const run = reader.run;
    return exportForSaeLens({
      ...o,
      hook: record.hook,
      dIn: reader.dimOf(record.hook),
      run: { name: run.name, modelId: run.modelId, contextLength: run.contextLength, prependBos: run.prependBos, skipBos: run.skipBos, bosTokenId: run.bosTokenId, tl: runTl(run), files: run.files },
    });
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
    // Stream trainings have no run to resume from: the stream page lists them (StreamJobs.list).
    return (await db.getAll('saeTrainings')).filter((r) => !r.stream).map(info).sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** A training's SAE as SAELens files (cfg.json, sae_weights.safetensors): the last one, or a stored one. */
  async files(db: StoreDb, trainingId?: string): Promise<SaeLensFiles> {
    if (!trainingId || trainingId === this.last?.trainingId) {
      if (!this.last) throw new LabError('no SAE has been trained in this session yet');
      return this.last.files;
    }
    const record = await db.get('saeTrainings', trainingId);
    if (!record?.state) throw new LabError(`training ${trainingId} has no checkpoint in this browser`);
    if (record.stream) return streamExport(record);
    return this.export(record, await RunReader.open(db, record.runId));
  }
}
