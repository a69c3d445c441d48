// Runs inside the page: the training-step kernels (src/gpu/kernels/*) on a case's seeded inputs
// (./kernels-train-data.ts), returning every output as base64. The CPU twins run in ../kernels-train.test.ts.
import { requestDevice, createBuffer, readBuffer } from '../../../src/gpu/device';
import { type Kernel, compileKernel } from '../../../src/gpu/kernel';
import { adam, adamKernel } from '../../../src/gpu/kernels/adam';
import { biasGrad, biasGradKernel } from '../../../src/gpu/kernels/bias_grad';
import { deadUpdate, deadUpdateKernel } from '../../../src/gpu/kernels/dead_update';
import { decGradProject, decGradProjectKernel, decRenorm, decRenormKernel } from '../../../src/gpu/kernels/dec_rows';
import { bitmapBytes, latentBitmap, latentBitmapKernel } from '../../../src/gpu/kernels/latent_bitmap';
import { latentGrad, latentGradKernel } from '../../../src/gpu/kernels/latent_grad';
import { STATS_LEN, lossFinalize, lossFinalizeKernel, lossStats, lossStatsKernel } from '../../../src/gpu/kernels/loss_stats';
import { maskDead, maskDeadKernel } from '../../../src/gpu/kernels/mask_dead';
import { reconGrad, reconGradKernel } from '../../../src/gpu/kernels/recon_grad';
import { sparseDot, sparseDotKernel } from '../../../src/gpu/kernels/sparse_dot';
import { type EncodedTensor, encodeTensor } from './kernels-data';
import { type TrainKernelCase, adamCaseScalars, trainInputs } from './kernels-train-data';

let devicePromise: Promise<GPUDevice> | null = null;
const uncaptured: string[] = [];

/** One device for every case (and for ./sae-train.ts, which imports it). */
export function device(): Promise<GPUDevice> {
  devicePromise ??= requestDevice({ label: 'kernels-train-test' }).then((d) => {
    d.addEventListener('uncapturederror', (e) => uncaptured.push((e as GPUUncapturedErrorEvent).error.message));
    return d;
  });
  return devicePromise;
}

/** Runs `f` inside validation / out-of-memory / internal error scopes and throws any WebGPU error it caused. */
export async function withErrorScopes<T>(d: GPUDevice, what: string, f: () => Promise<T>): Promise<T> {
  d.pushErrorScope('validation');
  d.pushErrorScope('out-of-memory');
  d.pushErrorScope('internal');
  let thrown = false;
  try {
    return await f();
  } catch (err) {
    thrown = true;
    throw err;
  } finally {
    const errs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const e = await d.popErrorScope();
      if (e) errs.push(e.message);
    }
    errs.push(...uncaptured.splice(0));
    if (errs.length && !thrown) throw new Error(`WebGPU errors in ${what}: ${errs.join('; ')}`);
  }
}

export type PlannedRead = [name: string, buffer: GPUBuffer, count: number, kind: 'f32' | 'u32'];

/** What a kernel case runs: the pipelines to compile, the one encoding, and the buffers to read back. */
export interface KernelPlan {
  kernels: Kernel[];
  encode: (enc: GPUCommandEncoder) => void;
  reads: PlannedRead[];
}

/**
 * The scaffolding of a kernel case: uploads `inputs` (as `up[name]`), lets `plan` make its output buffers (`buf`)
 * and say what to run, compiles the pipelines (timed apart), runs once, reads back, and frees every buffer.
 */
export async function runPlannedCase(
  name: string,
  inputs: Record<string, Float32Array | Uint32Array>,
  plan: (d: GPUDevice, up: Record<string, GPUBuffer>, buf: (bytes: number, label: string) => GPUBuffer) => KernelPlan,
): Promise<TrainCaseResult> {
  const d = await device();
  const owned: GPUBuffer[] = [];
  return withErrorScopes(d, name, async () => {
    try {
      const up: Record<string, GPUBuffer> = {};
      for (const [n, t] of Object.entries(inputs)) {
        up[n] = createBuffer(d, t, undefined, n);
        owned.push(up[n]);
      }
      const buf = (bytes: number, label: string) => {
        const b = createBuffer(d, bytes, undefined, label);
        owned.push(b);
        return b;
      };
      const { kernels, encode, reads } = plan(d, up, buf);
      const t0 = performance.now();
      await Promise.all(kernels.map((k) => compileKernel(d, k)));
      const t1 = performance.now();
      const enc = d.createCommandEncoder({ label: name });
      encode(enc);
      d.queue.submit([enc.finish()]);
      const outputs: Record<string, EncodedTensor> = {};
      for (const [n, b, count, kind] of reads) {
        outputs[n] = encodeTensor(kind === 'u32' ? await readBuffer(d, b, count * F, 'u32') : await readBuffer(d, b, count * F));
      }
      return { outputs, compileMs: t1 - t0, runMs: performance.now() - t1 };
    } finally {
      for (const b of owned) b.destroy();
    }
  });
}

export interface TrainCaseResult {
  outputs: Record<string, EncodedTensor>;
  compileMs: number;
  runMs: number;
}

const F = 4;

export async function runTrainCase(c: TrainKernelCase): Promise<TrainCaseResult> {
  return runPlannedCase(c.name, trainInputs(c), (d, up, buf) => {
    const reads: PlannedRead[] = [];
    let kernels: Kernel[] = [];
    let encode: (enc: GPUCommandEncoder) => void;
    switch (c.kernel) {
      case 'mask_dead': {
        const p = { M: c.M, N: c.N, deadTokens: c.deadTokens, maxGridDim: c.maxGridDim };
        const out = buf(c.M * c.N * F, 'out');
        kernels = [maskDeadKernel(p)];
        encode = (enc) => maskDead(d, p, { pre: up.pre, sinceFired: up.sinceFired, out }, enc);
        reads.push(['out', out, c.M * c.N, 'f32']);
        break;
      }
      case 'loss_stats': {
        const ps = { M: c.M, d: c.d, aux: c.aux };
        const pf = { M: c.M, d: c.d, dSae: c.dSae, deadTokens: c.deadTokens, auxCoef: 1 / 32, aux: c.aux };
        const partial = buf(c.d * 4 * F, 'partial');
        const stats = buf(STATS_LEN * F, 'stats');
        kernels = [lossStatsKernel(ps), lossFinalizeKernel(pf)];
        encode = (enc) => {
          lossStats(d, ps, { x: up.x, xhat: up.xhat, ehat: c.aux ? up.ehat : undefined, partial }, enc);
          lossFinalize(d, pf, { partial, sinceFired: up.sinceFired, stats }, enc);
        };
        reads.push(['stats', stats, STATS_LEN, 'f32']);
        break;
      }
      case 'recon_grad': {
        const p = { M: c.M, d: c.d, aux: c.aux, maxGridDim: c.maxGridDim };
        const g = buf(c.M * c.d * F, 'g');
        const gAux = buf(c.M * c.d * F, 'gAux');
        kernels = [reconGradKernel(p)];
        encode = (enc) =>
          reconGrad(d, p, { x: up.x, xhat: up.xhat, ehat: c.aux ? up.ehat : undefined, stats: up.stats, g, gAux: c.aux ? gAux : undefined }, enc);
        reads.push(['g', g, c.M * c.d, 'f32']);
        if (c.aux) reads.push(['gAux', gAux, c.M * c.d, 'f32']);
        break;
      }
      case 'sparse_dot': {
        const p = { M: c.M, k: c.k, d: c.d, dSae: c.dSae };
        const dpre = buf(c.M * c.k * F, 'dpre');
        const bits = c.bits ? buf(bitmapBytes(c.M, c.dSae), 'bits') : undefined;
        // Garbage first: the launcher must clear it.
        if (bits) d.queue.writeBuffer(bits, 0, new Uint32Array(bitmapBytes(c.M, c.dSae) / 4).fill(0xdeadbeef));
        kernels = [sparseDotKernel({ ...p, writeBits: !!bits })];
        encode = (enc) => sparseDot(d, p, { g: up.g, idx: up.idx, vals: up.vals, wDec: up.wDec, dpre, bits }, enc);
        reads.push(['dpre', dpre, c.M * c.k, 'f32']);
        if (bits) reads.push(['bits', bits, bitmapBytes(c.M, c.dSae) / 4, 'u32']);
        break;
      }
      case 'latent_bitmap': {
        const p = { M: c.M, k: c.k, dSae: c.dSae };
        const bits = buf(bitmapBytes(c.M, c.dSae), 'bits');
        // Garbage first: the launcher must clear it.
        d.queue.writeBuffer(bits, 0, new Uint32Array(bitmapBytes(c.M, c.dSae) / 4).fill(0xdeadbeef));
        kernels = [latentBitmapKernel(p)];
        encode = (enc) => latentBitmap(d, p, { idx: up.idx, vals: up.vals, bits }, enc);
        reads.push(['bits', bits, bitmapBytes(c.M, c.dSae) / 4, 'u32']);
        break;
      }
      case 'latent_grad': {
        const pb = { M: c.M, k: c.k, dSae: c.dSae };
        const pg = { M: c.M, k: c.k, dSae: c.dSae, d: c.d, transposed: c.mode === 'enc', accumulate: c.accumulate, maxGridDim: c.maxGridDim };
        const bits = buf(bitmapBytes(c.M, c.dSae), 'bits');
        const enc = c.mode === 'enc';
        kernels = [latentBitmapKernel(pb), latentGradKernel({ ...pg, hasSub: enc, writeSums: enc })];
        encode = (e) => {
          latentBitmap(d, pb, { idx: up.idx, vals: up.vals, bits }, e);
          latentGrad(d, pg, { bits, byLatent: up.byLatent, coef: up.coef, a: up.a, sub: enc ? up.sub : undefined, out: up.out, sums: enc ? up.sums : undefined }, e);
        };
        reads.push(['out', up.out, c.dSae * c.d, 'f32']);
        if (enc) reads.push(['sums', up.sums, c.dSae, 'f32']);
        break;
      }
      case 'bias_grad': {
        const p = { M: c.M, k: c.k, dSae: c.dSae, d: c.d, accumulate: c.accumulate };
        kernels = [biasGradKernel({ ...p, hasG: c.hasG })];
        encode = (enc) => biasGrad(d, p, { g: c.hasG ? up.g : undefined, dpre: up.dpre, idx: up.idx, wEnc: up.wEnc, out: up.out }, enc);
        reads.push(['out', up.out, c.d, 'f32']);
        break;
      }
      case 'dead_update': {
        const pb = { M: c.M, k: c.k, dSae: c.dSae };
        const p = { M: c.M, dSae: c.dSae };
        const bits = buf(bitmapBytes(c.M, c.dSae), 'bits');
        kernels = [latentBitmapKernel(pb), deadUpdateKernel(p)];
        encode = (enc) => {
          latentBitmap(d, pb, { idx: up.idx, vals: up.vals, bits }, enc);
          deadUpdate(d, p, { bits, sinceFired: up.sinceFired }, enc);
        };
        reads.push(['sinceFired', up.sinceFired, c.dSae, 'u32']);
        break;
      }
      case 'dec_grad_project': {
        const p = { dSae: c.dSae, d: c.d, maxGridDim: c.maxGridDim };
        kernels = [decGradProjectKernel(p)];
        encode = (enc) => decGradProject(d, p, { grad: up.grad, wDec: up.wDec }, enc);
        reads.push(['grad', up.grad, c.dSae * c.d, 'f32']);
        break;
      }
      case 'dec_renorm': {
        const p = { dSae: c.dSae, d: c.d, maxGridDim: c.maxGridDim };
        kernels = [decRenormKernel(p)];
        encode = (enc) => decRenorm(d, p, { wDec: up.wDec }, enc);
        reads.push(['wDec', up.wDec, c.dSae * c.d, 'f32']);
        break;
      }
      case 'adam': {
        const p = { n: c.n };
        kernels = [adamKernel(p)];
        encode = (enc) => adam(d, p, adamCaseScalars(c), { param: up.param, grad: up.grad, m: up.m, v: up.v }, enc);
        reads.push(['param', up.param, c.n, 'f32'], ['m', up.m, c.n, 'f32'], ['v', up.v, c.n, 'f32']);
        break;
      }
    }
    return { kernels, encode, reads };
  });
}
