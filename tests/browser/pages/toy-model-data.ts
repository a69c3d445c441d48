// The toy-model test table and its seeded inputs. Imported by the page (./toy-model.ts, which runs the WGSL
// kernels and trainToyGpu) and by the test (../toy-model.test.ts, which runs the CPU twins and trainToyCpu),
// so both sides build bit-identical inputs from a case's seed.
import type { ToyConfig } from '../../../src/analysis/toy/toy-model';
import { rng, uniform } from './kernels-data';

/** toy_forward_backward then toy_grad_reduce in one encoder, the loss written at lossSlot. */
export interface ToyKernelCase {
  name: string;
  seed: number;
  B: number;
  n: number;
  m: number;
  lossSlot: number;
  maxGridDim?: number;
}

export interface ToyTrainCase {
  name: string;
  cfg: ToyConfig;
}

const kc = (seed: number, B: number, n: number, m: number, maxGridDim?: number): ToyKernelCase => ({
  name: `toy kernels B=${B} n=${n} m=${m}${maxGridDim ? ` grid≤${maxGridDim}` : ''}`,
  seed,
  B,
  n,
  m,
  lossSlot: seed % 4,
  maxGridDim,
});

export const TOY_KERNEL_CASES: ToyKernelCase[] = [
  kc(1, 1, 1, 1),
  kc(2, 67, 5, 2),
  kc(3, 130, 37, 11, 3),
  kc(4, 257, 20, 3),
];

export const TOY_TRAIN_CASES: ToyTrainCase[] = [
  { name: 'train n=5 m=2 S=0.9 equal importance, 25 steps', cfg: { n: 5, m: 2, sparsity: 0.9, importanceDecay: 1, batch: 100, steps: 25, lr: 1e-2, seed: 7 } },
  { name: 'train n=13 m=4 S=0.6 decay 0.85, 12 steps', cfg: { n: 13, m: 4, sparsity: 0.6, importanceDecay: 0.85, batch: 71, steps: 12, lr: 5e-3, seed: 21 } },
];

/** Packed parameters (W in [−1, 1), b in [−0.3, 0.3) so both sides of the ReLU occur), sparse x, importance. */
export function toyKernelInputs(c: ToyKernelCase) {
  const r = rng(c.seed);
  const params = new Float32Array(c.m * c.n + c.n);
  params.set(uniform(r, c.m * c.n));
  params.set(uniform(r, c.n, 0.3), c.m * c.n);
  const x = new Float32Array(c.B * c.n);
  for (let i = 0; i < x.length; i++) x[i] = r() < 0.5 ? 0 : r();
  const importance = Float32Array.from({ length: c.n }, () => 0.1 + r());
  return { params, x, importance };
}
