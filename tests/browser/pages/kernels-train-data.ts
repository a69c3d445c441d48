// The training-step kernel table (shaders for the SAE backward pass, optimiser and bookkeeping) and its seeded
// inputs. Imported by the page (./kernels-train.ts, which runs the WGSL kernels) and by the test
// (../kernels-train.test.ts, which runs the CPU twins), so both build bit-identical inputs from a case's seed.
import { adamScalars } from '../../../src/sae/cpu/adam';
import { lossStats } from '../../../src/sae/cpu/loss_stats';
import { latentOrder } from '../../../src/sae/cpu/topk_rows';
import { rng, uniform } from './kernels-data';

export type TrainKernelCase =
  | { kernel: 'mask_dead'; name: string; seed: number; M: number; N: number; deadTokens: number; maxGridDim?: number }
  | { kernel: 'loss_stats'; name: string; seed: number; M: number; d: number; dSae: number; aux: boolean; deadTokens: number }
  | { kernel: 'recon_grad'; name: string; seed: number; M: number; d: number; aux: boolean; maxGridDim?: number }
  /** bits: latent_bitmap fused in (the training step's form). */
  | { kernel: 'sparse_dot'; name: string; seed: number; M: number; k: number; dSae: number; d: number; bits?: boolean }
  | { kernel: 'latent_bitmap'; name: string; seed: number; M: number; k: number; dSae: number }
  | {
      kernel: 'latent_grad';
      name: string;
      seed: number;
      M: number;
      k: number;
      dSae: number;
      d: number;
      /** dW_dec-like (coef = vals, no sub) or dW_encᵀ-like (coef = dpre, sub, transposed, sums). */
      mode: 'dec' | 'enc';
      accumulate: boolean;
      maxGridDim?: number;
    }
  | { kernel: 'bias_grad'; name: string; seed: number; M: number; k: number; dSae: number; d: number; hasG: boolean; accumulate: boolean }
  | { kernel: 'dead_update'; name: string; seed: number; M: number; k: number; dSae: number }
  | { kernel: 'dec_grad_project' | 'dec_renorm'; name: string; seed: number; dSae: number; d: number; maxGridDim?: number }
  | { kernel: 'adam'; name: string; seed: number; n: number; t: number; lr: number };

const shape = (o: Record<string, unknown>) =>
  Object.entries(o)
    .filter(([k]) => !['kernel', 'seed', 'name'].includes(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
const named = (c: DistributiveOmit<TrainKernelCase, 'name'>): TrainKernelCase => ({ ...c, name: `${c.kernel} ${shape(c)}` }) as TrainKernelCase;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export const TRAIN_KERNEL_CASES: TrainKernelCase[] = [
  named({ kernel: 'mask_dead', seed: 1, M: 23, N: 129, deadTokens: 40 }),
  named({ kernel: 'mask_dead', seed: 2, M: 11, N: 300, deadTokens: 40, maxGridDim: 4 }),
  named({ kernel: 'loss_stats', seed: 3, M: 23, d: 37, dSae: 129, aux: true, deadTokens: 40 }),
  named({ kernel: 'loss_stats', seed: 4, M: 300, d: 5, dSae: 700, aux: false, deadTokens: 40 }),
  named({ kernel: 'loss_stats', seed: 5, M: 23, d: 37, dSae: 129, aux: true, deadTokens: 1 << 30 }), // none dead
  named({ kernel: 'recon_grad', seed: 6, M: 23, d: 37, aux: true }),
  named({ kernel: 'recon_grad', seed: 7, M: 67, d: 131, aux: false, maxGridDim: 4 }),
  named({ kernel: 'sparse_dot', seed: 8, M: 23, k: 5, dSae: 129, d: 37 }),
  named({ kernel: 'sparse_dot', seed: 9, M: 7, k: 37, dSae: 300, d: 300 }),
  named({ kernel: 'sparse_dot', seed: 25, M: 70, k: 9, dSae: 20, d: 37, bits: true }),
  named({ kernel: 'sparse_dot', seed: 26, M: 33, k: 300, dSae: 1001, d: 19, bits: true }),
  named({ kernel: 'latent_bitmap', seed: 10, M: 23, k: 5, dSae: 129 }),
  named({ kernel: 'latent_bitmap', seed: 11, M: 70, k: 9, dSae: 20 }),
  named({ kernel: 'latent_grad', seed: 12, M: 23, k: 5, dSae: 129, d: 37, mode: 'dec', accumulate: false }),
  named({ kernel: 'latent_grad', seed: 13, M: 23, k: 5, dSae: 129, d: 37, mode: 'enc', accumulate: true }),
  named({ kernel: 'latent_grad', seed: 14, M: 70, k: 9, dSae: 20, d: 300, mode: 'dec', accumulate: true, maxGridDim: 4 }),
  named({ kernel: 'latent_grad', seed: 15, M: 70, k: 9, dSae: 20, d: 300, mode: 'enc', accumulate: false }),
  // enc_grad's tiles (16 latents × 64 columns): d_sae and d not multiples of either, a partial last tile of each,
  // latent tiles split over two grid dimensions, and k past the old 256 limit.
  named({ kernel: 'latent_grad', seed: 27, M: 45, k: 300, dSae: 1001, d: 130, mode: 'enc', accumulate: true }),
  named({ kernel: 'latent_grad', seed: 28, M: 33, k: 7, dSae: 77, d: 65, mode: 'enc', accumulate: false, maxGridDim: 2 }),
  named({ kernel: 'latent_grad', seed: 29, M: 45, k: 300, dSae: 1001, d: 130, mode: 'dec', accumulate: true }),
  named({ kernel: 'bias_grad', seed: 16, M: 23, k: 5, dSae: 129, d: 37, hasG: true, accumulate: false }),
  named({ kernel: 'bias_grad', seed: 17, M: 300, k: 3, dSae: 50, d: 7, hasG: false, accumulate: true }),
  named({ kernel: 'dead_update', seed: 18, M: 70, k: 3, dSae: 300 }),
  named({ kernel: 'dec_grad_project', seed: 19, dSae: 129, d: 37 }),
  named({ kernel: 'dec_grad_project', seed: 20, dSae: 5, d: 700, maxGridDim: 2 }),
  named({ kernel: 'dec_renorm', seed: 21, dSae: 129, d: 37 }),
  named({ kernel: 'dec_renorm', seed: 22, dSae: 5, d: 700, maxGridDim: 2 }),
  named({ kernel: 'adam', seed: 23, n: 1000, t: 1, lr: 1e-3 }),
  named({ kernel: 'adam', seed: 24, n: 70001, t: 7, lr: 3e-2 }),
];

/** A top-k-like selection: k distinct latents per row, about a quarter of the values exactly 0 (ReLU'd). */
export function selection(r: () => number, M: number, k: number, dSae: number) {
  const idx = new Uint32Array(M * k);
  const vals = new Float32Array(M * k);
  for (let m = 0; m < M; m++) {
    const seen = new Set<number>();
    for (let j = 0; j < k; j++) {
      let l: number;
      do l = Math.floor(r() * dSae);
      while (seen.has(l));
      seen.add(l);
      idx[m * k + j] = l;
      vals[m * k + j] = r() < 0.25 ? 0 : 2 * r();
    }
  }
  return { idx, vals };
}

/** Dead counters around `deadTokens` (half below, half at or above), one near saturation. */
function counters(r: () => number, n: number, deadTokens: number): Uint32Array {
  const s = Uint32Array.from({ length: n }, () => Math.floor(r() * 2 * Math.min(deadTokens, 1e6)));
  if (n > 1) s[1] = 0xffffffff - 5;
  return s;
}

/** Every input tensor a case needs, by name (the page uploads them under these names). */
export function trainInputs(c: TrainKernelCase): Record<string, Float32Array | Uint32Array> {
  const r = rng(c.seed);
  switch (c.kernel) {
    case 'mask_dead':
      return { pre: uniform(r, c.M * c.N), sinceFired: counters(r, c.N, c.deadTokens) };
    case 'loss_stats': {
      const x = uniform(r, c.M * c.d);
      return { x, xhat: x.map((v) => v + 0.3 * (2 * r() - 1)), ehat: uniform(r, c.M * c.d, 0.2), sinceFired: counters(r, c.dSae, c.deadTokens) };
    }
    case 'recon_grad': {
      const x = uniform(r, c.M * c.d);
      const xhat = x.map((v) => v + 0.3 * (2 * r() - 1));
      const ehat = uniform(r, c.M * c.d, 0.2);
      const s = lossStats({ x, xhat, ehat, M: c.M, d: c.d, numDead: 3, auxCoef: 1 / 32 });
      const stats = new Float32Array(12);
      stats[9] = s.auxGradScale;
      return { x, xhat, ehat, stats };
    }
    case 'sparse_dot':
      return { g: uniform(r, c.M * c.d), ...selection(r, c.M, c.k, c.dSae), wDec: uniform(r, c.dSae * c.d) };
    case 'latent_bitmap':
      return selection(r, c.M, c.k, c.dSae);
    case 'latent_grad': {
      const sel = selection(r, c.M, c.k, c.dSae);
      return {
        ...sel,
        // The slot lookup topk_rows writes beside its selection (that output is checked against latentOrder in
        // kernels.test.ts); computed after the other inputs so their seeded values stay as they were.
        byLatent: latentOrder(sel.idx, c.M, c.k),
        coef: c.mode === 'dec' ? sel.vals : uniform(r, c.M * c.k),
        a: uniform(r, c.M * c.d),
        sub: uniform(r, c.d, 0.5),
        out: uniform(r, c.dSae * c.d),
        sums: uniform(r, c.dSae),
      };
    }
    case 'bias_grad': {
      const sel = selection(r, c.M, c.k, c.dSae);
      return { g: uniform(r, c.M * c.d), dpre: uniform(r, c.M * c.k), idx: sel.idx, wEnc: uniform(r, c.d * c.dSae), out: uniform(r, c.d) };
    }
    case 'dead_update':
      return { ...selection(r, c.M, c.k, c.dSae), sinceFired: counters(r, c.dSae, 100) };
    case 'dec_grad_project':
    case 'dec_renorm': {
      const wDec = uniform(r, c.dSae * c.d);
      wDec.fill(0, 2 * c.d, 3 * c.d); // an all-zero row
      return { wDec, grad: uniform(r, c.dSae * c.d) };
    }
    case 'adam': {
      const g = uniform(r, c.n);
      for (let i = 0; i < c.n; i += 97) g[i] = 0;
      return { param: uniform(r, c.n), grad: g, m: uniform(r, c.n, c.t > 1 ? 0.1 : 0), v: uniform(r, c.n, c.t > 1 ? 0.01 : 0).map(Math.abs) };
    }
  }
}

export function adamCaseScalars(c: Extract<TrainKernelCase, { kernel: 'adam' }>) {
  return adamScalars({ lr: c.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, c.t);
}
