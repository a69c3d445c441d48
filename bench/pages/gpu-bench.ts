// The measuring half of `npm run bench:gpu`, the same module in a Chromium page and under Node on Dawn (the
// `webgpu` package; bench/gpu-dawn.ts puts its GPU on navigator.gpu): the product's WGSL through the product's
// launchers, on whatever adapter navigator.gpu offers.
//   matmul   the encoder matmul of the training step, (x − b_dec) @ W_enc + b_enc, [B, d_in] × [d_in, d_sae]
//            (shaders/matmul_bias.wgsl), `reps` dispatches in one submit after a warm-up: 2·B·d_in·d_sae·reps / s
//   train    the TopK / BatchTopK training step (src/sae/train/gpu-step.ts, AuxK on) on a batch already in a GPU
//            buffer, `steps` steps submitted back to back after a warm-up, waited for once: B·steps / s
// Wall-clock timing (performance.now around submit … onSubmittedWorkDone), no timestamp queries: they need an
// optional feature, and the step is long enough (ms on a GPU) that the submit overhead is small.
import { createBuffer, requestDevice } from '../../src/gpu/device';
import { matmulBias } from '../../src/gpu/kernels/matmul_bias';
import { initSaeParams } from '../../src/sae/train/cpu-step';
import { createGpuTrainer } from '../../src/sae/train/gpu-step';
import { type TrainArchitecture, initTrainState, trainConfig } from '../../src/sae/train/types';
import { type AdapterInfoLike, isSoftwareAdapter } from '../gpu-peaks';

export interface MatmulPlan {
  B: number;
  dIn: number;
  dSae: number;
  reps: number;
}

export interface TrainPlan {
  dIn: number;
  dSae: number;
  k: number;
  B: number;
  steps: number;
  architecture: TrainArchitecture;
}

export interface AdapterReport extends AdapterInfoLike {
  software: boolean;
  limits: Record<string, number>;
}

export interface MatmulFigure extends MatmulPlan {
  ms: number;
  gflops: number;
  error?: string;
}

export interface TrainFigure extends TrainPlan {
  kAux: number;
  kCand: number | null;
  warmupMs: number;
  ms: number;
  tokensPerSecond: number;
  error?: string;
}

const LIMITS = ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxStorageBuffersPerShaderStage'] as const;

/** The adapter navigator.gpu offers (high-performance), or null: no WebGPU or no adapter. */
export async function probeAdapter(): Promise<AdapterReport | null> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  const adapter = await gpu?.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  // Chromium ≥ 114 has adapter.info; older ones requestAdapterInfo().
  const a = adapter as GPUAdapter & { info?: GPUAdapterInfo; requestAdapterInfo?: () => Promise<GPUAdapterInfo>; isFallbackAdapter?: boolean };
  const info = (a.info ?? (await a.requestAdapterInfo?.())) as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined;
  const base: AdapterInfoLike = {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
    isFallbackAdapter: info?.isFallbackAdapter ?? a.isFallbackAdapter ?? false,
  };
  const limits: Record<string, number> = {};
  for (const n of LIMITS) limits[n] = adapter.limits[n];
  return { ...base, software: isSoftwareAdapter(base), limits };
}

const message = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

/** Seeded uniform values in [−0.5, 0.5): the bench needs realistic magnitudes, not particular ones. */
function randomRows(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

async function errorScope<T>(device: GPUDevice, run: () => Promise<T>): Promise<T> {
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  const out = await run();
  const oom = await device.popErrorScope();
  const bad = await device.popErrorScope();
  if (oom || bad) throw new Error((oom ?? bad)!.message);
  return out;
}

async function timeMatmul(device: GPUDevice, p: MatmulPlan): Promise<MatmulFigure> {
  const x = createBuffer(device, randomRows(p.B * p.dIn, 5), undefined, 'bench.x'); // [B, d_in]
  const w = createBuffer(device, randomRows(p.dIn * p.dSae, 3), undefined, 'bench.W_enc'); // [d_in, d_sae]
  const bias = createBuffer(device, p.dSae * 4, undefined, 'bench.b_enc');
  const sub = createBuffer(device, p.dIn * 4, undefined, 'bench.b_dec');
  const out = createBuffer(device, p.B * p.dSae * 4, undefined, 'bench.pre'); //   [B, d_sae]
  const shape = { M: p.B, K: p.dIn, N: p.dSae, subtractRow: true };
  const run = async (n: number) => {
    const enc = device.createCommandEncoder({ label: 'bench.matmul' });
    for (let i = 0; i < n; i++) matmulBias(device, shape, { a: x, b: w, bias, sub, out }, enc);
    const t = performance.now();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    return performance.now() - t;
  };
  try {
    await errorScope(device, () => run(1)); // compile + warm-up
    const ms = await run(p.reps);
    return { ...p, ms, gflops: (2 * p.B * p.dIn * p.dSae * p.reps) / (ms / 1000) / 1e9 };
  } finally {
    for (const b of [x, w, bias, sub, out]) b.destroy();
  }
}

async function timeTrain(device: GPUDevice, p: TrainPlan): Promise<TrainFigure> {
  const cfg = trainConfig({ dIn: p.dIn, dSae: p.dSae, k: p.k, architecture: p.architecture });
  const trainer = createGpuTrainer(device, cfg, initTrainState(initSaeParams(cfg, 1)), p.B);
  const x = createBuffer(device, randomRows(p.B * p.dIn, 7), undefined, 'bench.x');
  const lr = 1e-4;
  try {
    let t = performance.now();
    await errorScope(device, async () => {
      trainer.trainStep(x, lr, p.B);
      await device.queue.onSubmittedWorkDone();
    });
    const warmupMs = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < p.steps; i++) trainer.trainStep(x, lr, p.B);
    await device.queue.onSubmittedWorkDone();
    const ms = (performance.now() - t) / p.steps;
    await trainer.readStats(); // the steps ran to the end (a lost device would throw here)
    return { ...p, kAux: cfg.kAux, kCand: cfg.kCand ?? null, warmupMs, ms, tokensPerSecond: p.B / (ms / 1000) };
  } finally {
    x.destroy();
    trainer.destroy();
  }
}

let devicePromise: Promise<GPUDevice> | null = null;

/** One device per runtime (page or Node process), made again if it was lost. */
function device(): Promise<GPUDevice> {
  devicePromise ??= requestDevice({ label: 'bench-gpu' }).then((d) => {
    void d.lost.then(() => {
      devicePromise = null;
    });
    return d;
  });
  return devicePromise;
}

/** One encoder-matmul figure; a size that fails (out of memory, a limit) comes back with its error. */
export async function benchMatmul(p: MatmulPlan): Promise<MatmulFigure> {
  try {
    return await timeMatmul(await device(), p);
  } catch (err) {
    return { ...p, ms: NaN, gflops: NaN, error: message(err) };
  }
}

/** One training-step figure; a size that fails comes back with its error. */
export async function benchTrain(p: TrainPlan): Promise<TrainFigure> {
  try {
    return await timeTrain(await device(), p);
  } catch (err) {
    return { ...p, kAux: 0, kCand: null, warmupMs: NaN, ms: NaN, tokensPerSecond: NaN, error: message(err) };
  }
}
