// Stream training: SAEs trained on activations straight from the model's forward over a corpus, never stored.
//
//   corpus pieces → tokenizer → SplitWindowBuilder (held-out documents go to onHeldOut, never to a trainer)
//     → model forward in batches (every hook at once) → rows in stream order → block mixer (./mixer.ts)
//     → one trainSae (src/sae/train/trainer.ts) per hook, all fed the same rows at each step
//
// Position is the step number: step s trains rows [s·B, (s+1)·B) of the stream in block order, so a checkpoint at
// step s resumes there exactly, and a seeded stream training is reproducible. Activations cross CPU memory: the
// forward's outputs are read back (HookOutputs: Float32Array) and a Stepper takes Float32Array batches. Keeping them
// on the GPU needs ort's WebGPU output buffers (ort.Tensor.fromGpuBuffer / preferredOutputLocation 'gpu-buffer') on
// the trainer's device — ort makes its own GPUDevice, the trainer another (src/gpu/device.ts) — and a GPU twin of
// the block mixer; neither is built yet, so on WebGPU the rows make a round trip through the CPU.
import type { DocumentPiece, Rejection } from '../corpus/documents';
import type { HeldOutSplit } from '../corpus/held-out';
import { type StepperFactory, type TrainSaeResult, cpuStepper, trainSae } from '../sae/train/trainer';
import type { LrSchedule } from '../sae/train/schedule';
import type { SaeParams, SaeTrainConfig, SaeTrainState, StepStats } from '../sae/train/types';
import type { HookOutputs } from '../store/harvest';
import type { Window } from '../store/windows';
import { type StreamTokenizer, type TrainWindow, trainingWindows } from './corpus-windows';
import { type StreamBatch, blockStartRow, mixedBatches } from './mixer';
import { RowSource, type StreamForward, type StreamRows } from './row-source';

/** A corpus file as a checkpoint names it: the same name, size and SHA-256 (src/corpus/hash.ts) resume it. */
export interface CorpusFileId {
  name: string;
  size: number;
  sha256: string;
}

/** Where a stream training stands after `step` steps (what a checkpoint records besides the SAE state). */
export interface StreamPosition {
  step: number;
  rowsTrained: number; // step · B
  /** The training window holding the next untrained row in stream order, and that row's offset in it. */
  window: number;
  windowOffset: number;
  /** Tokens forwarded so far in this session (a resumed block's windows are forwarded again). */
  forwardTokens: number;
}

export interface StreamHookTraining {
  name: string;
  dim: number;
  cfg: SaeTrainConfig;
  stepper?: StepperFactory; // default the CPU twin
  initParams?(seed: number): SaeParams;
  /** A checkpoint of this hook's SAE at the training's fromStep. */
  resume?: { state: SaeTrainState; inputScale: number };
}

export interface StreamTrainOptions {
  /** The corpus, read from the start each time it is called (once per epoch, and on resume). */
  open(): AsyncIterable<DocumentPiece | Rejection>;
  tokenizer: StreamTokenizer;
  contextLength: number;
  bosTokenId: number;
  separatorTokenId: number;
  heldOut: HeldOutSplit;
  forward: StreamForward;
  forwardBatch: number;
  skipBos: boolean;
  hooks: StreamHookTraining[];
  batchSize: number;
  /** Batches per mixing block (default: as many as fit 256 MiB over all hooks, at most 16). */
  blockSteps?: number;
  steps: number;
  schedule: LrSchedule;
  /** Seeds the SAEs' initialisation and the mixing. */
  seed: number;
  /** Resume at this step (every hook's `resume` is at it). */
  fromStep?: number;
  checkpointEvery?: number;
  onCheckpoint?(hook: string, state: SaeTrainState, inputScale: number, at: StreamPosition): Promise<void> | void;
  onStats?(hook: string, step: number, stats: StepStats, lr: number): void;
  /** The rows each hook trained on at `step` (provenance: training window index and position of each row). */
  onTrained?(hook: string, step: number, window: Uint32Array, position: Uint16Array): void;
  onHeldOut?(window: Window, index: number, epoch: number): void;
  onRejection?(r: Rejection): void;
  onForward?(windows: TrainWindow[], out: HookOutputs): void | Promise<void>;
  /** Wraps each hook's batches (a PauseGate's gate). */
  gate?<T>(source: AsyncIterable<T>): AsyncIterable<T>;
  /**
   * Stops the training: every hook ends at the same step (the furthest any hook has taken), so their final
   * checkpoints agree and the training resumes from there as a whole.
   */
  signal?: AbortSignal;
  /** Filled in place as the training goes (the job's progress reads forward and training rates from it). */
  meter?: StreamMeter;
}

export interface StreamMeter {
  forwardTokens: number;
  forwardMs: number;
  trainMs: number;
}

export interface StreamTrainResult {
  results: Map<string, TrainSaeResult>;
  /** Forward work this session: tokens run through the model and the time it took. */
  forwardTokens: number;
  forwardMs: number;
  /** Time the hooks' steps took, summed over hooks. */
  trainMs: number;
  blockSteps: number;
  /** True when the signal stopped it before `steps`. */
  aborted: boolean;
}

const INIT_SAMPLE_ROWS = 4096;

/** Batches per block: M·B rows of every hook within `bytes`, 1 ≤ M ≤ 16. */
export function defaultBlockSteps(batchSize: number, dims: number[], bytes = 2 ** 28): number {
  const perStep = 4 * batchSize * dims.reduce((a, d) => a + d, 0);
  return Math.max(1, Math.min(16, Math.floor(bytes / perStep)));
}

/**
 * Hands the mixer's batches to one consumer per hook: each hook's trainer pulls at its own pace; a batch is kept
 * until every hook still training has taken it, and the producer waits when the slowest hook is `ahead` batches
 * behind, so memory stays bounded.
 */
class FanOut {
  private buf: StreamBatch[] = [];
  private base: number;
  private readonly cursors = new Map<string, number>();
  private producing: Promise<void> | null = null;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly src: AsyncIterator<StreamBatch>,
    hooks: string[],
    first: number,
    private readonly ahead: number,
  ) {
    this.base = first;
    for (const h of hooks) this.cursors.set(h, first);
  }

  private minCursor(): number {
    return Math.min(...this.cursors.values());
  }

  private produce(): Promise<void> {
    this.producing ??= (async () => {
      while (this.cursors.size > 0 && this.base + this.buf.length - this.minCursor() >= this.ahead) await new Promise<void>((r) => this.waiters.push(r));
      const r = await this.src.next();
      if (r.done) throw new Error('the batch stream ended');
      this.buf.push(r.value);
    })().finally(() => (this.producing = null));
    return this.producing;
  }

  private advanced(): void {
    const drop = (this.cursors.size ? this.minCursor() : this.base + this.buf.length) - this.base;
    if (drop > 0) {
      this.buf.splice(0, drop);
      this.base += drop;
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** Steps from here on are not handed out (a stop): the furthest step any hook has taken ends them all. */
  limit = Infinity;

  stop(): void {
    this.limit = Math.min(this.limit, this.base + this.buf.length, Math.max(...this.cursors.values(), this.base));
  }

  async get(hook: string, step: number): Promise<StreamBatch | null> {
    if (step >= this.limit) return null;
    while (step >= this.base + this.buf.length) await this.produce();
    if (step >= this.limit) return null; // stopped while the batch was made
    const b = this.buf[step - this.base];
    this.cursors.set(hook, step + 1);
    this.advanced();
    return b;
  }

  leave(hook: string): void {
    this.cursors.delete(hook);
    this.advanced();
  }

  /** The first batch (step `first`) without consuming it: it loads the first block. */
  async peek(): Promise<void> {
    if (this.buf.length === 0) await this.produce();
  }
}

export async function streamTrain(o: StreamTrainOptions): Promise<StreamTrainResult> {
  const B = o.batchSize;
  const fromStep = o.fromStep ?? 0;
  if (!Number.isInteger(B) || B < 1) throw new RangeError(`batch size ${B} must be a positive integer`);
  if (o.hooks.length === 0) throw new RangeError('stream training needs at least one hook');
  if (new Set(o.hooks.map((h) => h.name)).size !== o.hooks.length) throw new RangeError('each hook trains one SAE: a hook is named twice');
  for (const h of o.hooks) {
    if (fromStep > 0 && h.resume?.state.step !== fromStep) throw new RangeError(`resuming at step ${fromStep}: the checkpoint of ${h.name} is at step ${h.resume?.state.step ?? 'none'}`);
    if (h.cfg.dIn !== h.dim) throw new RangeError(`${h.name}: d_in ${h.cfg.dIn} ≠ the hook's ${h.dim}`);
  }
  const M = o.blockSteps ?? defaultBlockSteps(B, o.hooks.map((h) => h.dim));
  const skipRows = blockStartRow({ batchSize: B, blockSteps: M, fromStep });
  const windows = trainingWindows(o.open, o.tokenizer, { contextLength: o.contextLength, bosTokenId: o.bosTokenId, separatorTokenId: o.separatorTokenId, heldOut: o.heldOut, onHeldOut: o.onHeldOut, onRejection: o.onRejection });
  const source = new RowSource(windows, o.forward, o.hooks.map((h) => ({ name: h.name, dim: h.dim })), { forwardBatch: o.forwardBatch, skipBos: o.skipBos, skipRows, onForward: o.onForward });
  let firstBlock = null as StreamRows | null;
  const onBlock = (rows: StreamRows) => (firstBlock ??= rows);
  const batches = mixedBatches(source, { batchSize: B, blockSteps: M, seed: o.seed, fromStep, onBlock });
  const fan = new FanOut(batches, o.hooks.map((h) => h.name), fromStep, 2 * M);
  const meter = o.meter ?? { forwardTokens: 0, forwardMs: 0, trainMs: 0 };
  meter.trainMs = 0;
  const onStop = () => fan.stop();
  o.signal?.addEventListener('abort', onStop);
  if (o.signal?.aborted) fan.stop();
  const timed = (f: StepperFactory): StepperFactory => (state, cfg) => {
    const s = f(state, cfg);
    return {
      step: async (x, n, lr) => {
        const t0 = performance.now();
        const r = await s.step(x, n, lr);
        meter.trainMs += performance.now() - t0;
        meter.forwardTokens = source.forwardTokens;
        meter.forwardMs = source.forwardMs;
        return r;
      },
      state: () => s.state(),
      dispose: () => s.dispose?.(),
      // no absorb: the block mixer is the stream's shuffle, a swap pool would make resumes inexact
    };
  };
  const position = (step: number): StreamPosition => {
    const at = source.locate(step * B);
    source.prune(Math.max(0, (step - 2 * M) * B)); // hooks checkpoint at most 2 blocks apart (FanOut keeps them so)
    return { step, rowsTrained: step * B, window: at.window, windowOffset: at.offset, forwardTokens: source.forwardTokens };
  };

  try {
    // A fresh training estimates its input scale and b_dec from the first block's rows (the block in stream order).
    if (fromStep < o.steps && !o.signal?.aborted) await fan.peek();
    const sampleOf = (hook: string, dim: number) => firstBlock?.rows.get(hook)!.slice(0, INIT_SAMPLE_ROWS * dim) ?? new Float32Array(0);
    const results = await Promise.all(
      o.hooks.map(async (h) => {
        const last = new Map<number, StreamBatch>();
        async function* hookBatches(): AsyncGenerator<Float32Array> {
          try {
            for (let s = fromStep; ; s++) {
              const b = await fan.get(h.name, s);
              if (!b) return; // stopped
              last.clear();
              last.set(s, b);
              yield b.x.get(h.name)!;
            }
          } finally {
            fan.leave(h.name);
          }
        }
        const result = await trainSae({
          batches: o.gate ? o.gate(hookBatches()) : hookBatches(),
          cfg: h.cfg,
          steps: o.steps,
          schedule: o.schedule,
          seed: o.seed,
          sampleForInit: h.resume ? new Float32Array(0) : sampleOf(h.name, h.dim),
          stepper: timed(h.stepper ?? cpuStepper),
          initParams: h.initParams,
          resume: h.resume,
          checkpointEvery: o.checkpointEvery,
          onCheckpoint: (state, inputScale) => o.onCheckpoint?.(h.name, state, inputScale, position(state.step)),
          onStats: (step, stats, lr) => {
            const b = last.get(step);
            if (b) o.onTrained?.(h.name, step, b.window, b.position);
            o.onStats?.(h.name, step, stats, lr);
          },
        });
        return [h.name, result] as const;
      }),
    );
    const map = new Map(results);
    const aborted = [...map.values()].some((r) => r.state.step < o.steps);
    return { results: map, forwardTokens: source.forwardTokens, forwardMs: source.forwardMs, trainMs: meter.trainMs, blockSteps: M, aborted };
  } finally {
    o.signal?.removeEventListener('abort', onStop);
    await batches.return(undefined).catch(() => undefined);
    await windows.return(undefined).catch(() => undefined);
  }
}
