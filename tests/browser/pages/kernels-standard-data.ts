// The standard (ReLU + L1) SAE trainer's kernel table, its whole-step cases, and their seeded inputs. Imported by
// the page (./kernels-standard.ts, which runs the WGSL kernels and the WebGPU trainer) and by the test
// (../kernels-standard.test.ts, which runs the CPU twins), so both build bit-identical inputs from a case's seed.
import { rowNorms } from '../../../src/sae/cpu/row_norms';
import { initStandardParams, type StandardTrainConfig, standardTrainConfig } from '../../../src/sae/train/standard-step';
import { type SaeTrainState, initTrainState } from '../../../src/sae/train/types';
import { rng, uniform } from './kernels-data';

export type StandardKernelCase =
  | {
      kernel: 'matmul_bias';
      name: string;
      seed: number;
      M: number;
      K: number;
      N: number;
      transA: boolean;
      transB: boolean;
      subtractRow: boolean;
      bias: boolean;
    }
  | { kernel: 'col_stats'; name: string; seed: number; M: number; N: number; relu: boolean; maxGridDim?: number }
  | { kernel: 'row_norms'; name: string; seed: number; rows: number; cols: number; maxGridDim?: number }
  | { kernel: 'standard_finalize'; name: string; seed: number; M: number; d: number; dSae: number; deadTokens: number; l1Coefficient: number }
  | { kernel: 'relu_grad'; name: string; seed: number; M: number; N: number; scale: number; maxGridDim?: number }
  | { kernel: 'dec_norm_grad'; name: string; seed: number; dSae: number; d: number; scale: number; maxGridDim?: number }
  | { kernel: 'dense_bias_grad'; name: string; seed: number; d: number; dSae: number; maxGridDim?: number };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
const shape = (o: Record<string, unknown>) =>
  Object.entries(o)
    .filter(([k, v]) => !['kernel', 'seed', 'name'].includes(k) && v !== false)
    .map(([k, v]) => (v === true ? k : `${k}=${v}`))
    .join(' ');
const named = (c: DistributiveOmit<StandardKernelCase, 'name'>): StandardKernelCase => ({ ...c, name: `${c.kernel} ${shape(c)}` }) as StandardKernelCase;
const mm = (seed: number, M: number, K: number, N: number, o: { transA?: boolean; transB?: boolean; subtractRow?: boolean; bias?: boolean }) =>
  named({ kernel: 'matmul_bias', seed, M, K, N, transA: false, transB: false, subtractRow: false, bias: false, ...o });

export const STANDARD_KERNEL_CASES: StandardKernelCase[] = [
  // The backward products: g · W_decᵀ, actsᵀ · g, (x − b_dec)ᵀ · dpre; and x̂ without a bias.
  mm(1, 23, 37, 129, { transB: true }),
  mm(2, 67, 300, 45, { transB: true, bias: true }),
  mm(3, 129, 23, 37, { transA: true }),
  mm(4, 37, 70, 300, { transA: true, subtractRow: true }),
  mm(5, 1, 45, 131, { transA: true, transB: true, subtractRow: true, bias: true }),
  mm(6, 65, 17, 1, { transA: true }),
  mm(7, 23, 129, 37, {}),
  named({ kernel: 'col_stats', seed: 8, M: 23, N: 129, relu: true }),
  named({ kernel: 'col_stats', seed: 9, M: 300, N: 37, relu: false }),
  named({ kernel: 'col_stats', seed: 10, M: 7, N: 300, relu: true, maxGridDim: 2 }),
  named({ kernel: 'row_norms', seed: 11, rows: 129, cols: 37 }),
  named({ kernel: 'row_norms', seed: 12, rows: 5, cols: 700, maxGridDim: 2 }),
  named({ kernel: 'standard_finalize', seed: 13, M: 23, d: 37, dSae: 129, deadTokens: 40, l1Coefficient: 0.7 }),
  named({ kernel: 'standard_finalize', seed: 14, M: 300, d: 5, dSae: 700, deadTokens: 1000, l1Coefficient: 5 }),
  named({ kernel: 'relu_grad', seed: 15, M: 23, N: 129, scale: 0.03 }),
  named({ kernel: 'relu_grad', seed: 16, M: 67, N: 300, scale: 0.5, maxGridDim: 4 }),
  named({ kernel: 'dec_norm_grad', seed: 17, dSae: 129, d: 37, scale: 0.03 }),
  named({ kernel: 'dec_norm_grad', seed: 18, dSae: 5, d: 700, scale: 0.5, maxGridDim: 2 }),
  named({ kernel: 'dense_bias_grad', seed: 19, d: 37, dSae: 129 }),
  named({ kernel: 'dense_bias_grad', seed: 20, d: 300, dSae: 5, maxGridDim: 4 }),
  named({ kernel: 'dense_bias_grad', seed: 21, d: 7, dSae: 1000 }),
];

/** Dead counters around `deadTokens` (half below, half at or above), one near saturation. */
function counters(r: () => number, n: number, deadTokens: number): Uint32Array {
  const s = Uint32Array.from({ length: n }, () => Math.floor(r() * 2 * deadTokens));
  if (n > 1) s[1] = 0xffffffff - 5;
  return s;
}

/** Positive norms, one row (index 2) all zero. */
function decoder(r: () => number, rows: number, cols: number): Float32Array {
  const w = uniform(r, rows * cols);
  if (rows > 2) w.fill(0, 2 * cols, 3 * cols);
  return w;
}

/** Every input tensor a case needs, by name (the page uploads them under these names). */
export function standardInputs(c: StandardKernelCase): Record<string, Float32Array | Uint32Array> {
  const r = rng(c.seed);
  switch (c.kernel) {
    case 'matmul_bias':
      return { a: uniform(r, c.M * c.K), b: uniform(r, c.K * c.N), bias: uniform(r, c.N), sub: uniform(r, c.transA ? c.M : c.K, 0.5) };
    case 'col_stats': {
      const x = uniform(r, c.M * c.N);
      if (c.N > 3) for (let i = 0; i < c.M; i++) x[i * c.N + 3] = -Math.abs(x[i * c.N + 3]); // a latent that never fires
      return { x };
    }
    case 'row_norms':
      return { w: decoder(r, c.rows, c.cols) };
    case 'standard_finalize': {
      const count = Uint32Array.from({ length: c.dSae }, () => (r() < 0.3 ? 0 : Math.floor(r() * c.M) + 1));
      return {
        partial: Float32Array.from({ length: c.d * 4 }, () => 0.5 + r()),
        count,
        sum: Float32Array.from(count, (n) => n * r()),
        norms: Float32Array.from({ length: c.dSae }, () => 0.05 + r()),
        sinceFired: counters(r, c.dSae, c.deadTokens),
      };
    }
    case 'relu_grad':
      return { acts: uniform(r, c.M * c.N).map((v) => Math.max(v, 0)), norms: Float32Array.from({ length: c.N }, () => r()), grad: uniform(r, c.M * c.N) };
    case 'dec_norm_grad': {
      const wDec = decoder(r, c.dSae, c.d);
      return { wDec, sum: Float32Array.from({ length: c.dSae }, () => 3 * r()), norms: rowNorms(wDec, c.dSae, c.d), grad: uniform(r, c.dSae * c.d) };
    }
    case 'dense_bias_grad':
      return { gSum: uniform(r, c.d), wEnc: uniform(r, c.d * c.dSae), dbEnc: uniform(r, c.dSae) };
  }
}

// Whole training steps, WebGPU trainer vs the CPU twin.
export interface StandardTrainCase {
  name: string;
  seed: number;
  dIn: number;
  dSae: number;
  B: number;
  steps: number;
  lr: number;
  l1Coefficient: number;
  l1WarmupSteps: number;
  deadTokens: number;
}

export const STANDARD_TRAIN_CASES: StandardTrainCase[] = [
  { name: '5 steps, d_in 37, d_sae 129, B 23, λ 0.5 warming up over 3 steps, half dead', seed: 1, dIn: 37, dSae: 129, B: 23, steps: 5, lr: 1e-3, l1Coefficient: 0.5, l1WarmupSteps: 3, deadTokens: 40 },
  { name: '5 steps, d_in 20, d_sae 300, B 70, λ 5', seed: 2, dIn: 20, dSae: 300, B: 70, steps: 5, lr: 3e-3, l1Coefficient: 5, l1WarmupSteps: 0, deadTokens: 100 },
];

export function standardCaseConfig(c: StandardTrainCase): StandardTrainConfig {
  const { dIn, dSae, l1Coefficient, l1WarmupSteps, deadTokens } = c;
  return standardTrainConfig({ dIn, dSae, l1Coefficient, l1WarmupSteps, deadTokens });
}

/** The starting state (decoder norms 0.1 · U(0.5, 1.5), random biases, about half the latents dead) and one batch per step. */
export function standardCaseSetup(c: StandardTrainCase): { state: SaeTrainState; batches: Float32Array[] } {
  const r = rng(c.seed);
  const params = initStandardParams(standardCaseConfig(c), c.seed);
  for (let l = 0; l < c.dSae; l++) {
    const f = 0.5 + r();
    for (let i = 0; i < c.dIn; i++) params.W_dec[l * c.dIn + i] *= f;
  }
  params.b_enc = uniform(r, c.dSae, 0.05);
  params.b_dec = uniform(r, c.dIn, 0.2);
  const state = initTrainState(params);
  for (let l = 0; l < c.dSae; l++) state.sinceFired[l] = Math.floor(r() * 2 * c.deadTokens);
  const batches = Array.from({ length: c.steps }, () => uniform(r, c.B * c.dIn));
  return { state, batches };
}
