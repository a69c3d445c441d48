// Runs inside the page (served by the Vite dev server): builds a case's inputs from its seed, runs the WGSL
// kernel(s) on one shared device, and returns the outputs as base64 plus timings. The comparison with the CPU
// twins happens in tests/browser/kernels.test.ts.
import { adapterName, createBuffer, readBuffer, requestDevice } from '../../../src/gpu/device';
import { type Kernel, compileKernel, runKernel } from '../../../src/gpu/kernel';
import { matmulBias, matmulBiasKernel } from '../../../src/gpu/kernels/matmul_bias';
import { sparseDecode, sparseDecodeKernel } from '../../../src/gpu/kernels/sparse_decode';
import { topkRows, topkRowsKernel } from '../../../src/gpu/kernels/topk_rows';
import {
  type EncodedTensor,
  type KernelCase,
  decodeInputs,
  encodeTensor,
  matmulInputs,
  saeInputs,
  topkInputs,
} from './kernels-data';

let devicePromise: Promise<GPUDevice> | null = null;
const uncaptured: string[] = [];

function device(): Promise<GPUDevice> {
  devicePromise ??= requestDevice({ label: 'kernels-test' }).then((d) => {
    d.addEventListener('uncapturederror', (e) => uncaptured.push((e as GPUUncapturedErrorEvent).error.message));
    return d;
  });
  return devicePromise;
}

export interface DeviceReport {
  adapter: string;
  limits: Record<string, number>;
  features: string[];
}

export async function deviceReport(): Promise<DeviceReport> {
  const d = await device();
  const names = [
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupStorageSize',
    'maxStorageBuffersPerShaderStage',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupsPerDimension',
  ] as const;
  const limits: Record<string, number> = {};
  for (const n of names) limits[n] = d.limits[n];
  return { adapter: adapterName(d), limits, features: [...d.features].sort() };
}

export interface CaseResult {
  outputs: Record<string, EncodedTensor>;
  /** Pipeline compilation (compileKernel), ms. */
  compileMs: number;
  /** After compilation: upload, encode, submit, readback of the outputs, ms. */
  runMs: number;
}

const F = 4; // bytes per f32 / u32

export async function runCase(c: KernelCase): Promise<CaseResult> {
  const d = await device();
  d.pushErrorScope('validation');
  d.pushErrorScope('out-of-memory');
  d.pushErrorScope('internal');
  const owned: GPUBuffer[] = [];
  let thrown: unknown = null;
  const buf = (data: ArrayBufferView | number, label: string) => {
    const b = createBuffer(d, data, undefined, label);
    owned.push(b);
    return b;
  };
  try {
    let t1 = 0;
    let compileMs = 0;
    const compile = async (...kernels: Kernel[]) => {
      const t0 = performance.now();
      await Promise.all(kernels.map((k) => compileKernel(d, k)));
      t1 = performance.now();
      compileMs = t1 - t0;
    };
    const outputs: Record<string, EncodedTensor> = {};
    if (c.kernel === 'matmul_bias') {
      const inp = matmulInputs(c);
      const p = { M: c.M, K: c.K, N: c.N, subtractRow: c.subtractRow };
      await compile(matmulBiasKernel(p));
      const out = buf(c.M * c.N * F, 'out');
      matmulBias(d, p, { a: buf(inp.a, 'a'), b: buf(inp.b, 'b'), bias: buf(inp.bias, 'bias'), sub: buf(inp.sub, 'sub'), out });
      outputs.out = encodeTensor(await readBuffer(d, out, c.M * c.N * F));
    } else if (c.kernel === 'topk_rows') {
      const x = topkInputs(c);
      const p = { M: c.M, N: c.N, k: c.k, relu: c.relu, maxGridDim: c.maxGridDim };
      await compile(topkRowsKernel(p));
      const indices = buf(c.M * c.k * F, 'indices');
      const values = buf(c.M * c.k * F, 'values');
      const byLatent = c.byLatent ? buf(c.M * c.k * F, 'byLatent') : undefined;
      if (byLatent) await compile(topkRowsKernel({ ...p, byLatent: true }));
      topkRows(d, p, { x: buf(x, 'x'), indices, values, byLatent });
      outputs.indices = encodeTensor(await readBuffer(d, indices, c.M * c.k * F, 'u32'));
      outputs.values = encodeTensor(await readBuffer(d, values, c.M * c.k * F));
      if (byLatent) outputs.byLatent = encodeTensor(await readBuffer(d, byLatent, c.M * c.k * F, 'u32'));
    } else if (c.kernel === 'sparse_decode') {
      const inp = decodeInputs(c);
      const p = { M: c.M, k: c.k, dSae: c.dSae, d: c.d, maxGridDim: c.maxGridDim };
      await compile(sparseDecodeKernel(p));
      const out = buf(c.M * c.d * F, 'out');
      sparseDecode(d, p, { vals: buf(inp.vals, 'vals'), idx: buf(inp.idx, 'idx'), wDec: buf(inp.wDec, 'wDec'), bDec: buf(inp.bDec, 'bDec'), out });
      outputs.out = encodeTensor(await readBuffer(d, out, c.M * c.d * F));
    } else {
      const inp = saeInputs(c);
      const enc = { M: c.M, K: c.d, N: c.dSae, subtractRow: true };
      const top = { M: c.M, N: c.dSae, k: c.k, relu: true };
      const dec = { M: c.M, k: c.k, dSae: c.dSae, d: c.d };
      await compile(matmulBiasKernel(enc), topkRowsKernel(top), sparseDecodeKernel(dec));
      const bDec = buf(inp.bDec, 'b_dec');
      const pre = buf(c.M * c.dSae * F, 'pre_acts');
      const idx = buf(c.M * c.k * F, 'latent_indices');
      const acts = buf(c.M * c.k * F, 'latent_acts');
      const recon = buf(c.M * c.d * F, 'sae_out');
      const encoder = d.createCommandEncoder({ label: 'sae_forward' });
      matmulBias(d, enc, { a: buf(inp.x, 'x'), b: buf(inp.wEnc, 'W_enc'), bias: buf(inp.bEnc, 'b_enc'), sub: bDec, out: pre }, encoder);
      topkRows(d, top, { x: pre, indices: idx, values: acts }, encoder);
      sparseDecode(d, dec, { vals: acts, idx, wDec: buf(inp.wDec, 'W_dec'), bDec, out: recon }, encoder);
      d.queue.submit([encoder.finish()]);
      outputs.latent_indices = encodeTensor(await readBuffer(d, idx, c.M * c.k * F, 'u32'));
      outputs.latent_acts = encodeTensor(await readBuffer(d, acts, c.M * c.k * F));
      outputs.sae_out = encodeTensor(await readBuffer(d, recon, c.M * c.d * F));
    }
    const t2 = performance.now();
    return { outputs, compileMs, runMs: t2 - t1 };
  } catch (err) {
    thrown = err;
    throw err;
  } finally {
    for (const b of owned) b.destroy();
    const errs = [];
    for (let i = 0; i < 3; i++) {
      const e = await d.popErrorScope();
      if (e) errs.push(e.message);
    }
    errs.push(...uncaptured.splice(0));
    // Reported unless the case already threw (a compile error is also a validation error: keep the first).
    if (errs.length && !thrown) throw new Error(`WebGPU errors in ${c.name}: ${errs.join('; ')}`);
  }
}

export interface ErrorReport {
  name: string;
  message: string;
}

async function caught(f: () => unknown): Promise<ErrorReport> {
  try {
    await f();
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
  return { name: 'none', message: 'no error thrown' };
}

/** The named errors of src/gpu/kernel.ts: a WGSL syntax error, an unknown binding, a missing uniform. */
export async function errorReports(): Promise<Record<string, ErrorReport>> {
  const d = await device();
  const base = sparseDecodeKernel({ M: 1, k: 1, dSae: 1, d: 1 });
  const broken: Kernel = { ...base, name: 'broken', source: base.source.replace('let row =', 'let row: =') };
  const x = createBuffer(d, 16, undefined, 'x');
  try {
    return {
      compile: await caught(() => compileKernel(d, broken)),
      binding: await caught(() => runKernel(d, base, { nope: x })),
      uniform: await caught(() =>
        runKernel(d, base, { vals: x, idx: x, wDec: x, bDec: x, out: createBuffer(d, 16, undefined, 'out') }, { M: 1, k: 1, dSae: 1 }),
      ),
    };
  } finally {
    x.destroy();
  }
}
