// SAE training inside the engine: rows of a stored run (seeded-shuffled, looping over epochs) feed the
// trainer on the GPU (WebGPU) or on its CPU twin; stats stream to the page; the result is kept as SAELens
// files for download (and for the dashboards and steering to come).
import { LabError } from '../core/errors';
import { requestDevice } from '../gpu/device';
import type { SaeLensFiles } from '../sae/saelens';
import { type StepperFactory, cpuStepper, gpuStepper, toSaeLens, trainSae } from '../sae/train/trainer';
import { trainConfig } from '../sae/train/types';
import { RunReader } from '../store/reader';
import type { StoreDb } from '../store/schema';
import type { TrainOptions, TrainProgress, TrainSummary } from './protocol';

export class TrainingBusyError extends LabError {}

const INIT_SAMPLE_ROWS = 4096;

async function* epochs(reader: RunReader, hook: string, batchSize: number, seed: number): AsyncGenerator<Float32Array> {
  for (let epoch = 0; ; epoch++) {
    let any = false;
    for await (const b of reader.batches(hook, batchSize, { seed: seed + epoch, mixShards: 4 })) {
      any = true;
      yield b.rows;
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

async function initSample(reader: RunReader, hook: string): Promise<Float32Array> {
  for await (const b of reader.batches(hook, Math.min(INIT_SAMPLE_ROWS, reader.run.committedRows), { seed: 0, mixShards: 8 })) return b.rows;
  throw new LabError(`run ${reader.run.name} has no committed rows to train on`);
}

export class SaeJobs {
  private control: AbortController | null = null;
  private last: { summary: TrainSummary; files: SaeLensFiles } | null = null;

  async train(db: StoreDb, opts: TrainOptions, onProgress: (p: TrainProgress) => void): Promise<TrainSummary> {
    if (this.control) throw new TrainingBusyError('an SAE is already training: stop it first');
    const reader = await RunReader.open(db, opts.runId);
    const dIn = reader.dimOf(opts.hook);
    const cfg = trainConfig({ dIn, dSae: dIn * opts.expansion, k: opts.k });
    const stepper: StepperFactory = opts.device === 'gpu' ? gpuStepper(await requestDevice({ label: 'sae-trainer' }), opts.batchSize) : cpuStepper;
    this.control = new AbortController();
    const t0 = performance.now();
    try {
      const result = await trainSae({
        batches: prefetch(epochs(reader, opts.hook, opts.batchSize, opts.seed)),
        cfg,
        steps: opts.steps,
        schedule: { lr: opts.lr, warmupSteps: Math.min(100, Math.floor(opts.steps / 10)), decay: 'linear', decayStart: Math.floor(opts.steps * 0.8) },
        seed: opts.seed,
        sampleForInit: await initSample(reader, opts.hook),
        stepper,
        signal: this.control.signal,
        onStats: (step, stats, lr) =>
          onProgress({ step, steps: opts.steps, lr, loss: stats.loss, fvu: stats.fvu, auxLoss: stats.auxLoss, deadFraction: stats.numDead / cfg.dSae, l0: cfg.k, elapsedMs: performance.now() - t0 }),
      });
      const run = reader.run;
      const exported = toSaeLens(result.state, cfg, { hook_name: opts.hook, model_name: run.modelId, context_size: run.contextLength, prepend_bos: true, dataset: run.name }, result.inputScale);
      const last = result.history.at(-1);
      const summary: TrainSummary = {
        runId: run.id,
        hook: opts.hook,
        dIn,
        dSae: cfg.dSae,
        k: cfg.k,
        steps: result.history.length,
        tokens: result.history.length * opts.batchSize,
        aborted: result.aborted,
        finalFvu: last?.fvu ?? null,
        inputScale: result.inputScale,
        device: opts.device,
        seconds: (performance.now() - t0) / 1000,
      };
      this.last = { summary, files: exported.files };
      return summary;
    } finally {
      this.control = null;
    }
  }

  stop(): void {
    this.control?.abort();
  }

  /** The last trained SAE as SAELens files (cfg.json, sae_weights.safetensors). */
  files(): SaeLensFiles {
    if (!this.last) throw new LabError('no SAE has been trained in this session yet');
    return this.last.files;
  }
}
