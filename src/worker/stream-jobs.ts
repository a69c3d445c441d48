// Stream training inside the engine (src/stream/): SAEs on one forward's hooks over dropped corpus files, for a
// token budget, with no run stored first. Each hook's SAE is a saeTrainings record (SaeTrainingRecord.stream set),
// all written in one transaction at each checkpoint, so a reload or a crash resumes every hook at the same step.
//
// Resuming needs the corpus again: File objects do not survive a reload, so the page asks for the same files to be
// dropped again and they are checked against the checkpoint's names, sizes and SHA-256 (a stream reads far more
// than a stored run would hold, so streaming a resume from stored windows is not offered).
import { SAELENS_DEFAULTS } from '../core/tl-settings';
import { LabError, quotaMessage, withQuota } from '../core/errors';
import { hookDim } from '../core/hooks';
import { hashFile, readCorpus } from '../corpus';
import { DEFAULT_HELD_OUT, checkHeldOutSplit } from '../corpus/held-out';
import { requestDevice } from '../gpu/device';
import { fastCpuStepper } from '../sae/train/cpu-fast-step';
import { type StepperFactory, gpuStepper } from '../sae/train/trainer';
import { type SaeTrainState, type StepStats, trainConfig } from '../sae/train/types';
import { APP_VERSION, type SaeTrainingRecord, type StoreDb } from '../store/schema';
import type { Window } from '../store/windows';
import { SampleRunWriter, type SampleState } from '../store/sample-run';
import { type StreamPosition, defaultBlockSteps, streamTrain } from '../stream/stream-train';
import type { StreamCorpusFile, StreamTrainProgress, StreamTrainRequest, StreamTrainSummary, StreamTrainingInfo } from './protocol';
import { PauseGate } from './sae-jobs';
import type { ModelAccess } from './store-jobs';
import { type StreamRecordOptions, streamOptions } from './stream-record';

export class StreamBusyError extends LabError {}

const DEFAULT_CHECKPOINT_EVERY = 200;
const HELD_OUT_KEPT = 512; // held-out windows kept in memory for the held-out evaluations

/**
 * The held-out windows a stream meets, in corpus order, the first `max` of them (each once, whatever the epoch or
 * resume): where held-out evaluations during a stream training take their windows from.
 */
export class HeldOutWindows {
  readonly windows: Window[] = [];
  seen = 0;
  constructor(private readonly max = HELD_OUT_KEPT) {}
  add(window: Window, index: number): void {
    this.seen = Math.max(this.seen, index + 1);
    if (index === this.windows.length && index < this.max) this.windows.push(window);
  }
}

function sameCorpus(want: StreamCorpusFile[], got: StreamCorpusFile[]): string | null {
  const say = (f: StreamCorpusFile) => `${f.name} (${f.size.toLocaleString('en-US')} bytes, SHA-256 ${f.sha256.slice(0, 12)}…)`;
  if (want.length !== got.length) return `the training streamed ${want.length} file${want.length === 1 ? '' : 's'} (${want.map(say).join(', ')}); ${got.length} were dropped`;
  for (let i = 0; i < want.length; i++) {
    const a = want[i];
    const b = got[i];
    if (a.sha256 !== b.sha256 || a.size !== b.size) return `file ${i + 1} should be ${say(a)}; ${say(b)} was dropped`;
  }
  return null;
}

const rate = (n: number, ms: number) => (ms > 0 && n > 0 ? (1000 * n) / ms : null);

export class StreamJobs {
  private control: AbortController | null = null;
  private gate: PauseGate | null = null;
  private running: Promise<void> | null = null;
  /** The held-out windows of the stream training in progress (or the last one). */
  heldOut = new HeldOutWindows();

  async train(db: StoreDb, model: ModelAccess, req: StreamTrainRequest, onProgress: (p: StreamTrainProgress) => void): Promise<StreamTrainSummary> {
    if (this.control) throw new StreamBusyError('a stream training is already running: stop it first');
    const saved = req.resumeFrom ? await this.records(db, req.resumeFrom) : [];
    if (req.resumeFrom && saved.length === 0) throw new LabError(`stream training ${req.resumeFrom} has no checkpoint in this browser`);
    if (saved.some((r) => r.done)) throw new LabError('that stream training already finished');
    if (new Set(saved.map((r) => r.step)).size > 1) throw new LabError('the checkpoints of that stream training disagree on its step: it cannot resume');
    const files = req.files ?? [];
    if (files.length === 0) throw new LabError(req.resumeFrom ? 'drop the corpus files this training streamed to resume it' : 'drop corpus files to stream from');
    const corpus = await Promise.all(files.map(async (f) => ({ name: f.name, size: f.size, sha256: await hashFile(f) })));
    const prior = saved.length ? streamOptions(saved[0])! : null;
    if (prior) {
      const wrong = sameCorpus(prior.stream.corpus, corpus);
      if (wrong) throw new LabError(`these are not the files this training streamed: ${wrong}. Drop the same files, in the same order, to resume it`);
      if (prior.stream.modelId !== model.id) throw new LabError(`this training streamed ${prior.stream.modelId}'s activations; load that model to resume it (loaded: ${model.id})`);
    }
    const r = prior?.stream.request ?? req;
    const B = r.batchSize;
    const steps = Math.floor(r.tokens / B);
    if (!(steps >= 1)) throw new LabError(`a budget of ${r.tokens} tokens is less than one batch of ${B}`);
    if (r.hooks.length === 0) throw new LabError('choose at least one hook to train an SAE on');
    const heldOut = prior?.stream.heldOut ?? checkHeldOutSplit({ share: r.heldOutShare ?? DEFAULT_HELD_OUT.share, seed: DEFAULT_HELD_OUT.seed });
    const dims = r.hooks.map((h) => hookDim(h, model.cfg));
    const blockSteps = prior?.stream.blockSteps ?? defaultBlockSteps(B, dims);
    // Whole blocks between checkpoints: a checkpoint then ends on a block boundary, and (rows being consecutive in
    // stream order) every row before the next one is trained.
    const every = Math.ceil((r.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY) / blockSteps) * blockSteps;
    const tl = prior?.stream.tl ?? SAELENS_DEFAULTS;
    const forwardBatch = prior?.stream.forwardBatch ?? r.forwardBatch ?? 8;
    const streamId = prior?.stream.streamId ?? `stream-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    const architecture = r.architecture ?? 'topk';
    const recordOptions: StreamRecordOptions = {
      stream: { streamId, hooks: r.hooks, corpus, modelId: model.id, tl, heldOut, blockSteps, forwardBatch, request: { ...r, files: undefined, device: undefined, resumeFrom: undefined } as unknown as StreamRecordOptions['stream']['request'] },
      expansion: r.expansion,
      k: r.k,
      architecture,
      batchSize: B,
      lr: r.lr,
      seed: r.seed,
      steps,
    };
    const records = new Map<string, SaeTrainingRecord>(
      r.hooks.map((hook, i) => [
        hook,
        saved.find((x) => x.hook === hook) ?? {
          id: `${streamId}-${i}`,
          appVersion: APP_VERSION,
          runId: '',
          hook,
          options: recordOptions as unknown as Record<string, unknown>,
          steps,
          step: 0,
          inputScale: 0,
          state: null,
          done: false,
          updatedAt: Date.now(),
          stream: { streamId, window: 0, windowOffset: 0 },
        },
      ]),
    );
    const fromStep = saved[0]?.step ?? 0;
    const device = req.device === 'gpu' ? await requestDevice({ label: 'sae-stream-trainer' }) : null;
    const stepper: StepperFactory = device ? gpuStepper(device, B) : fastCpuStepper; // no swap pool: the block mixer shuffles
    const net = await model.harvestModel(r.hooks, tl);
    const contextLength = Math.min(Math.max(2, Math.floor(r.contextLength) || 2), model.cfg.nPositions);
    // Every n-th training window kept as an ordinary run (src/store/sample-run.ts), rolled back to the checkpoint on resume.
    const savedSample = saved[0]?.stream?.sample;
    const sampleEvery = Math.max(0, Math.floor(r.sampleEvery ?? 0));
    const sample = savedSample
      ? await SampleRunWriter.reopen(db, savedSample, sampleEvery, saved[0].stream!.window)
      : sampleEvery > 0
        ? await SampleRunWriter.create(
            db,
            { name: `stream sample (every ${sampleEvery}th window): ${files.map((f) => f.name).join(', ')}`.slice(0, 80), modelId: model.id, hooks: r.hooks.map((name, i) => ({ name, dim: dims[i] })), dtype: 'f32', contextLength, bosTokenId: model.cfg.bosTokenId, tl },
            corpus.map((f) => ({ ...f, documents: 0 })),
            sampleEvery,
          )
        : null;
    for (const rec of records.values()) rec.runId = sample?.run.id ?? '';

    this.control = new AbortController();
    const gate = (this.gate = new PauseGate());
    let ended = () => {};
    this.running = new Promise<void>((resolve) => (ended = resolve));
    this.heldOut = new HeldOutWindows();
    const meter = { forwardTokens: 0, forwardMs: 0, trainMs: 0 };
    const t0 = performance.now();
    const elapsed = () => performance.now() - t0 - gate.pausedMs;
    let checkpointStep: number | null = fromStep > 0 ? fromStep : null;
    let windowAt = saved[0]?.stream?.window ?? 0;
    const figures = (done: number) => {
      const session = done - fromStep;
      const perSecond = rate(session, elapsed());
      return {
        forwardTokensPerSecond: rate(meter.forwardTokens, meter.forwardMs),
        trainTokensPerSecond: rate(session * B * r.hooks.length, meter.trainMs),
        tokensPerSecond: perSecond === null ? null : perSecond * B,
        etaSeconds: perSecond === null ? null : (steps - done) / perSecond,
      };
    };

    // Checkpoints: every hook's state at step s, written together.
    const joins = new Map<number, { states: Map<string, { state: SaeTrainState; inputScale: number; at: StreamPosition }>; done: Promise<void>; resolve: () => void; reject: (e: unknown) => void }>();
    const checkpoint = (hook: string, state: SaeTrainState, inputScale: number, at: StreamPosition): Promise<void> => {
      let j = joins.get(at.step);
      if (!j) {
        let resolve = () => {};
        let reject: (e: unknown) => void = () => {};
        const done = new Promise<void>((a, b) => ((resolve = a), (reject = b)));
        j = { states: new Map(), done, resolve, reject };
        joins.set(at.step, j);
      }
      j.states.set(hook, { state, inputScale, at });
      if (j.states.size === r.hooks.length) {
        const join = j;
        joins.delete(at.step);
        this.writeCheckpoint(db, records, join.states, steps, sample?.state()).then(() => {
          checkpointStep = at.step;
          windowAt = at.window;
          join.resolve();
        }, join.reject);
      }
      return j.done;
    };

    // Progress: once a step, when every hook has trained it.
    const stats = new Map<number, { hook: string; s: StepStats; lr: number }[]>();
    const onStats = (hook: string, step: number, s: StepStats, lr: number) => {
      const got = stats.get(step) ?? [];
      got.push({ hook, s, lr });
      stats.set(step, got);
      if (got.length < r.hooks.length) return;
      stats.delete(step);
      const done = step + 1;
      onProgress({
        step,
        steps,
        lr,
        hooks: r.hooks.map((h) => {
          const x = got.find((g) => g.hook === h)!.s;
          return { hook: h, loss: x.loss, fvu: x.fvu, l0: x.l0 ?? r.k, deadFraction: x.numDead / (hookDim(h, model.cfg) * r.expansion) };
        }),
        tokens: done * B,
        tokensTotal: steps * B,
        window: windowAt,
        startStep: fromStep,
        heldOutWindows: this.heldOut.seen,
        checkpointStep,
        ...figures(done),
      });
    };

    try {
      const result = await streamTrain({
        open: () => readCorpus(files, { jsonlField: r.jsonlField ?? 'text', csvColumn: /^\d+$/.test(r.csvColumn ?? '') ? Number(r.csvColumn) : (r.csvColumn ?? 'text') }),
        tokenizer: model.tokenizer,
        contextLength,
        bosTokenId: model.cfg.bosTokenId,
        separatorTokenId: model.cfg.eosTokenId,
        heldOut,
        forward: async (ids) => (await net.forward(ids)).hooks,
        forwardBatch,
        skipBos: true,
        hooks: r.hooks.map((name, i) => {
          const rec = records.get(name)!;
          return {
            name,
            dim: dims[i],
            cfg: trainConfig({ dIn: dims[i], dSae: dims[i] * r.expansion, k: r.k, architecture }),
            stepper,
            resume: rec.state ? { state: rec.state as SaeTrainState, inputScale: rec.inputScale } : undefined,
          };
        }),
        batchSize: B,
        blockSteps,
        steps,
        schedule: { lr: r.lr, warmupSteps: Math.min(100, Math.floor(steps / 10)), decay: 'linear', decayStart: Math.floor(steps * 0.8) },
        seed: r.seed,
        fromStep,
        checkpointEvery: every,
        onCheckpoint: checkpoint,
        onStats,
        onHeldOut: (w, index, epoch) => epoch === 0 && this.heldOut.add(w, index),
        onForward: sample ? (windows, out) => sample.add(windows, out) : undefined,
        gate: (src) => gate.gate(src),
        signal: this.control.signal,
        meter,
      });
      const done = Math.min(...[...result.results.values()].map((x) => x.state.step));
      await sample?.finish(!result.aborted);
      const f = figures(done);
      return {
        streamId,
        trainings: r.hooks.map((hook) => ({ hook, trainingId: records.get(hook)!.id, finalFvu: result.results.get(hook)!.history.at(-1)?.fvu ?? null })),
        modelId: model.id,
        steps: done,
        tokens: done * B,
        window: windowAt,
        resumedAt: fromStep > 0 ? fromStep : null,
        aborted: result.aborted,
        forwardTokens: meter.forwardTokens,
        forwardTokensPerSecond: f.forwardTokensPerSecond,
        trainTokensPerSecond: f.trainTokensPerSecond,
        heldOutWindows: this.heldOut.seen,
        sampleRunId: sample?.run.id ?? null,
        device: device ? 'gpu' : 'cpu',
      };
    } finally {
      this.control = null;
      this.gate = null;
      this.running = null;
      ended();
    }
  }

  private async writeCheckpoint(
    db: StoreDb,
    records: Map<string, SaeTrainingRecord>,
    states: Map<string, { state: SaeTrainState; inputScale: number; at: StreamPosition }>,
    steps: number,
    sample: SampleState | undefined,
  ): Promise<void> {
    const next = [...states].map(([hook, { state, inputScale, at }]) => ({
      ...records.get(hook)!,
      state,
      inputScale,
      step: state.step,
      done: state.step >= steps,
      updatedAt: Date.now(),
      stream: { ...records.get(hook)!.stream!, window: at.window, windowOffset: at.windowOffset, sample },
    }));
    const step = next[0].step;
    // One transaction: every hook's checkpoint at this step, or none (the last good one stays to resume from).
    await withQuota(
      async () => {
        const tx = db.transaction('saeTrainings', 'readwrite');
        await Promise.all([...next.map((n) => tx.store.put(n)), tx.done]);
      },
      () => quotaMessage(`the checkpoint of the stream training at step ${step}`, 'The last checkpoint written is kept: resume from it', 'resume it'),
    );
    for (const n of next) records.set(n.hook, n);
  }

  private async records(db: StoreDb, streamId: string): Promise<SaeTrainingRecord[]> {
    return (await db.getAll('saeTrainings')).filter((r) => r.stream?.streamId === streamId);
  }

  stop(): void {
    this.control?.abort();
    this.gate?.set(false);
  }

  pause(paused: boolean): Promise<void> {
    this.gate?.set(paused);
    return paused && this.gate && this.running ? this.gate.held(this.running) : Promise.resolve();
  }

  async list(db: StoreDb): Promise<StreamTrainingInfo[]> {
    const byStream = new Map<string, SaeTrainingRecord[]>();
    for (const r of await db.getAll('saeTrainings')) if (r.stream) byStream.set(r.stream.streamId, [...(byStream.get(r.stream.streamId) ?? []), r]);
    return [...byStream.values()]
      .map((rs) => {
        const o = streamOptions(rs[0])!;
        return {
          streamId: o.stream.streamId,
          hooks: o.stream.hooks,
          step: Math.min(...rs.map((x) => x.step)),
          steps: rs[0].steps,
          done: rs.every((x) => x.done),
          window: rs[0].stream!.window,
          updatedAt: Math.max(...rs.map((x) => x.updatedAt)),
          corpus: o.stream.corpus,
          modelId: o.stream.modelId,
          options: o.stream.request,
        };
      })
      .sort((a, b) => b.updatedAt - a.updatedAt);
  }

  async delete(db: StoreDb, streamId: string): Promise<void> {
    if (this.control) throw new StreamBusyError('a stream training is running: stop it before deleting stream trainings');
    const tx = db.transaction('saeTrainings', 'readwrite');
    const all = await tx.store.getAll();
    await Promise.all([...all.filter((r) => r.stream?.streamId === streamId).map((r) => tx.store.delete(r.id)), tx.done]);
  }
}
