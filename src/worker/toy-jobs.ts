// The toy model of superposition inside the engine (src/analysis/toy/): trains the model on the WGSL kernels (or
// the CPU twin), streaming snapshots of W so the page's plot moves, then trains an SAE on its hidden layer.
// One toy job at a time; cancel stops either after its current step, keeping what was trained.
import { LabError, describeError } from '../core/errors';
import { adapterName, requestDevice } from '../gpu/device';
import { trainToyGpu } from '../analysis/toy/toy-gpu';
import { type ToyConfig, splitToyParams, toyCpuTrainer } from '../analysis/toy/toy-model';
import { trainToySae } from '../analysis/toy/toy-sae';
import type { ToyProgress, ToyRequest, ToySaeRequest, ToySaeSummary, ToySummary } from './protocol';

export class ToyBusyError extends LabError {}

/**
 * Snapshots per training when the request does not say (each reads W back from the GPU), at least every
 * MAX_EVERY steps: the worker only sees a cancel at a snapshot.
 */
const SNAPSHOTS = 40;
const MAX_EVERY = 200;

const tick = () => new Promise((r) => setTimeout(r, 0));

export class ToyJobs {
  private control: AbortController | null = null;
  private gpu: Promise<GPUDevice> | null = null;

  /** The WebGPU device, or why there is none (then the CPU twin runs). */
  private async device(): Promise<{ device: GPUDevice | null; note: string | null }> {
    this.gpu ??= requestDevice({ label: 'toy-model' });
    try {
      return { device: await this.gpu, note: null };
    } catch (err) {
      this.gpu = null;
      return { device: null, note: `no WebGPU (${describeError(err)}): trained on the CPU twin` };
    }
  }

  private begin(): AbortSignal {
    if (this.control) throw new ToyBusyError('a toy model or its SAE is already training: cancel it first');
    this.control = new AbortController();
    return this.control.signal;
  }

  async train(req: ToyRequest, onProgress: (p: ToyProgress) => void): Promise<ToySummary> {
    const signal = this.begin();
    try {
      const { device, note } = req.device === 'gpu' ? await this.device() : { device: null, note: null };
      const every = req.snapshotEvery ?? Math.max(1, Math.min(MAX_EVERY, Math.ceil(req.steps / SNAPSHOTS)));
      const { n, m } = req;
      const onSnapshot = (step: number, params: Float32Array, loss: number) => onProgress({ stage: 'model', step, steps: req.steps, loss, W: params.slice(0, m * n) });
      const t0 = performance.now();
      const r = device ? await trainToyGpu(device, req, { every, onSnapshot, signal }) : await trainCpu(req, every, onSnapshot, signal);
      const steps = r.lossHistory.length;
      return { W: r.W, b: r.b, steps, finalLoss: steps ? r.lossHistory[steps - 1] : null, aborted: steps < req.steps, device: device ? 'gpu' : 'cpu', seconds: (performance.now() - t0) / 1000, note };
    } finally {
      this.control = null;
    }
  }

  async sae(req: ToySaeRequest, onProgress: (p: ToyProgress) => void): Promise<ToySaeSummary> {
    const signal = this.begin();
    try {
      const { device, note } = req.device === 'cpu' ? { device: null, note: null } : await this.device();
      // The SAE step is many small dispatches per row: a software adapter (SwiftShader) takes ~10 ms a row, so
      // 'auto' trains there on the CPU twin (same numbers, far faster).
      const software = device !== null && isSoftwareAdapter(device);
      const use = req.device === 'auto' && software ? null : device;
      const t0 = performance.now();
      const r = await trainToySae({ ...req, device: use, signal, onStats: (step, fvu) => onProgress({ stage: 'sae', step: step + 1, steps: req.steps, fvu }) });
      const why = use === null && device !== null ? `software WebGPU adapter (${adapterName(device)}): trained on the CPU twin` : note;
      return { ...r, seconds: (performance.now() - t0) / 1000, note: why };
    } finally {
      this.control = null;
    }
  }

  cancel(): void {
    this.control?.abort();
  }
}

/** The CPU twin with the GPU trainer's snapshots and cancel; yields at each snapshot so a cancel can arrive. */
async function trainCpu(cfg: ToyConfig, every: number, onSnapshot: (step: number, params: Float32Array, loss: number) => void, signal: AbortSignal) {
  const trainer = toyCpuTrainer(cfg);
  const losses: number[] = [];
  for (let t = 1; t <= cfg.steps && !signal.aborted; t++) {
    losses.push(trainer.step(t));
    if (t % every === 0 || t === cfg.steps) {
      onSnapshot(t, trainer.params, losses[t - 1]);
      await tick();
    }
  }
  return { ...splitToyParams(trainer.params, cfg.n, cfg.m), lossHistory: Float64Array.from(losses) };
}

function isSoftwareAdapter(device: GPUDevice): boolean {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).adapterInfo;
  return info?.isFallbackAdapter === true || /swiftshader/i.test(adapterName(device));
}
