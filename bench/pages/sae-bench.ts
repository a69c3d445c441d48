// In-page half of `npm run bench:sae`: one TopK SAE training step on WebGPU (src/sae/train/gpu-step.ts) timed
// over N steps, a profiling step that submits every kernel on its own, and the CPU twin's step at the same size.
import { adapterName, createBuffer, requestDevice } from '../../src/gpu/device';
import { cpuTrainStep, initSaeParams } from '../../src/sae/train/cpu-step';
import { createGpuTrainer } from '../../src/sae/train/gpu-step';
import { type SaeTrainConfig, initTrainState, trainConfig } from '../../src/sae/train/types';

export interface SaeBenchRequest {
  dIn: number;
  dSae: number;
  k: number;
  batch: number;
  steps: number;
  /** Rows of the CPU twin's step (0 skips it). */
  cpuBatch: number;
}

export interface KernelShare {
  name: string;
  calls: number;
  ms: number;
}

export interface SaeBenchResult {
  adapter: string;
  kAux: number;
  flopsPerStep: number;
  warmupMs: number;
  msPerStep: number[];
  tokensPerSecond: number;
  gflops: number;
  /** Profiling step: each kernel submitted alone and waited for; sums to more than a step (no overlap, more submits). */
  kernels: KernelShare[];
  profiledMs: number;
  cpuMs: number | null;
  cpuTokensPerSecond: number | null;
  cpuGflops: number | null;
}

/**
 * FLOPs of one step, counted analytically (multiply-adds as 2):
 *   encoder   2·B·d_in·d_sae                      (x − b_dec) @ W_enc, dominates
 *   main term 4 sparse products of 2·B·k·d_in     decode x̂, dL/dval (sparse_dot), dW_dec, dW_encᵀ
 *   AuxK term 4 sparse products of 2·B·k_aux·d_in the same four on the k_aux dead latents
 *   total = 2·B·d_in·d_sae + 8·B·(k + k_aux)·d_in
 * Top-k selection, losses, biases and Adam (O(d_in·d_sae) per step, independent of B) are left out.
 */
export function stepFlops(cfg: SaeTrainConfig, B: number): number {
  const aux = cfg.auxCoef > 0 ? cfg.kAux : 0;
  return 2 * B * cfg.dIn * cfg.dSae + 8 * B * (cfg.k + aux) * cfg.dIn;
}

function randomRows(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

/**
 * An encoder stand-in that gives every compute pass (and clearBuffer) its own real command encoder, so the
 * step's kernels can be submitted and waited for one by one. Only what runKernel and the kernels call is here.
 */
function splittingEncoder(device: GPUDevice): { enc: GPUCommandEncoder; parts: { name: string; enc: GPUCommandEncoder }[] } {
  const parts: { name: string; enc: GPUCommandEncoder }[] = [];
  const open = (name: string) => {
    const e = device.createCommandEncoder({ label: name });
    parts.push({ name, enc: e });
    return e;
  };
  const enc = {
    beginComputePass: (d?: GPUComputePassDescriptor) => open(d?.label ?? 'pass').beginComputePass(d),
    clearBuffer: (b: GPUBuffer, off?: number, size?: number) => open('clearBuffer').clearBuffer(b, off, size),
  } as unknown as GPUCommandEncoder;
  return { enc, parts };
}

export async function benchSae(req: SaeBenchRequest): Promise<SaeBenchResult> {
  const device = await requestDevice({ label: 'bench-sae' });
  const cfg = trainConfig({ dIn: req.dIn, dSae: req.dSae, k: req.k });
  const B = req.batch;
  const x = randomRows(B * cfg.dIn, 7);
  const state = () => initTrainState(initSaeParams(cfg, 1));
  const lr = 1e-4;
  const flops = stepFlops(cfg, B);

  const trainer = createGpuTrainer(device, cfg, state(), B);
  let t = performance.now();
  trainer.trainStep(x, lr);
  await device.queue.onSubmittedWorkDone();
  const warmupMs = performance.now() - t;
  const msPerStep: number[] = [];
  for (let i = 0; i < req.steps; i++) {
    t = performance.now();
    trainer.trainStep(x, lr);
    await device.queue.onSubmittedWorkDone();
    msPerStep.push(performance.now() - t);
  }

  // Profiling step: the same dispatches, each in its own submit.
  const xb = createBuffer(device, x, undefined, 'bench.x');
  const { enc, parts } = splittingEncoder(device);
  trainer.trainStep(xb, lr, B, enc);
  const byName = new Map<string, KernelShare>();
  const t0 = performance.now();
  for (const p of parts) {
    t = performance.now();
    device.queue.submit([p.enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    const ms = performance.now() - t;
    const row = byName.get(p.name) ?? { name: p.name, calls: 0, ms: 0 };
    row.calls += 1;
    row.ms += ms;
    byName.set(p.name, row);
  }
  const profiledMs = performance.now() - t0;
  xb.destroy();
  trainer.destroy();
  const adapter = adapterName(device);
  device.destroy();

  let cpuMs: number | null = null;
  let cpuFlops = 0;
  if (req.cpuBatch > 0) {
    const cb = Math.min(req.cpuBatch, B);
    const s = state();
    t = performance.now();
    cpuTrainStep(s, x.subarray(0, cb * cfg.dIn), cb, cfg, lr);
    cpuMs = performance.now() - t;
    cpuFlops = stepFlops(cfg, cb);
  }

  const median = [...msPerStep].sort((a, b) => a - b)[Math.floor(msPerStep.length / 2)];
  return {
    adapter,
    kAux: cfg.kAux,
    flopsPerStep: flops,
    warmupMs,
    msPerStep,
    tokensPerSecond: B / (median / 1000),
    gflops: flops / (median / 1000) / 1e9,
    kernels: [...byName.values()].sort((a, b) => b.ms - a.ms),
    profiledMs,
    cpuMs,
    cpuTokensPerSecond: cpuMs === null ? null : Math.min(req.cpuBatch, B) / (cpuMs / 1000),
    cpuGflops: cpuMs === null ? null : cpuFlops / (cpuMs / 1000) / 1e9,
  };
}
