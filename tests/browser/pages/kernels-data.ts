// The kernel test table and its seeded inputs. Imported by the page (tests/browser/pages/kernels.ts, which
// runs the WGSL kernels) and by the test (tests/browser/kernels.test.ts, which runs the CPU twins on the same
// inputs), so both sides build bit-identical data from a case's seed.
import { toBase64 } from './base64';

export type KernelCase =
  | { kernel: 'matmul_bias'; name: string; seed: number; M: number; K: number; N: number; subtractRow: boolean }
  | {
      kernel: 'topk_rows';
      name: string;
      seed: number;
      M: number;
      N: number;
      k: number;
      relu: boolean;
      /** uniform: distinct values; ties: few distinct values (quarter steps); zeros: half the rows all ±0. */
      fill: 'uniform' | 'ties' | 'zeros';
      maxGridDim?: number;
      /** Also the byLatent output (the training step's form): the selection sorted by latent, with its slots. */
      byLatent?: boolean;
    }
  | { kernel: 'sparse_decode'; name: string; seed: number; M: number; k: number; dSae: number; d: number; maxGridDim?: number }
  /** matmul_bias(x − b_dec) → topk_rows(relu) → sparse_decode, encoded in one command encoder. */
  | { kernel: 'sae_forward'; name: string; seed: number; M: number; d: number; dSae: number; k: number };

type TopkCase = Extract<KernelCase, { kernel: 'topk_rows' }>;
type DecodeCase = Extract<KernelCase, { kernel: 'sparse_decode' }>;

const mm = (seed: number, M: number, K: number, N: number, subtractRow: boolean): KernelCase => ({
  kernel: 'matmul_bias',
  name: `matmul_bias M=${M} K=${K} N=${N}${subtractRow ? ' sub' : ''}`,
  seed,
  M,
  K,
  N,
  subtractRow,
});
const tk = (seed: number, M: number, N: number, k: number, relu: boolean, fill: 'uniform' | 'ties' | 'zeros' = 'uniform'): TopkCase => ({
  kernel: 'topk_rows',
  name: `topk_rows M=${M} N=${N} k=${k}${relu ? ' relu' : ''} ${fill}`,
  seed,
  M,
  N,
  k,
  relu,
  fill,
});
const sd = (seed: number, M: number, k: number, dSae: number, d: number): DecodeCase => ({
  kernel: 'sparse_decode',
  name: `sparse_decode M=${M} k=${k} d_sae=${dSae} d=${d}`,
  seed,
  M,
  k,
  dSae,
  d,
});

export const KERNEL_CASES: KernelCase[] = [
  mm(1, 1, 45, 131, false),
  mm(2, 7, 256, 1000, true),
  mm(3, 67, 45, 131, true),
  mm(4, 64, 64, 64, false),
  mm(5, 67, 256, 3000, true),
  tk(11, 1, 131, 1, false),
  tk(12, 7, 1000, 5, true),
  tk(13, 67, 3000, 32, false),
  tk(14, 67, 3000, 32, true, 'ties'),
  tk(15, 8, 1000, 5, false, 'zeros'),
  tk(16, 3, 24576, 128, true),
  tk(17, 3, 300, 256, false, 'ties'),
  tk(18, 2, 5, 5, false, 'ties'),
  // Past the old 256 limit (research k up to 512, AuxK d_in / 2 = 384, BatchTopK candidates up to 1024): N not a
  // multiple of the 256-thread workgroup, sortN > k (sentinels), each thread sorting several pairs a stage.
  tk(41, 3, 3001, 300, true),
  tk(42, 2, 1999, 384, false, 'ties'),
  tk(43, 3, 24577, 512, true),
  tk(44, 2, 700, 513, false, 'ties'),
  tk(45, 2, 1500, 1024, true, 'ties'),
  tk(46, 2, 1024, 1024, false),
  { ...tk(47, 67, 3000, 32, true, 'ties'), name: 'topk_rows M=67 N=3000 k=32 relu ties byLatent', byLatent: true },
  { ...tk(48, 3, 24577, 512, true), name: 'topk_rows M=3 N=24577 k=512 relu byLatent', byLatent: true },
  { ...tk(49, 2, 1500, 1000, false, 'ties'), name: 'topk_rows M=2 N=1500 k=1000 ties byLatent', byLatent: true },
  sd(21, 1, 1, 131, 45),
  sd(22, 7, 5, 1000, 256),
  sd(23, 67, 32, 3000, 131),
  sd(24, 5, 100, 300, 770),
  // Rows split over two grid dimensions (as for M > 65535; a real M that large takes ~10 min on SwiftShader).
  { ...tk(19, 11, 40, 3, true, 'ties'), name: 'topk_rows M=11 N=40 k=3 relu ties grid≤4', maxGridDim: 4 },
  { ...sd(25, 11, 3, 20, 300), name: 'sparse_decode M=11 k=3 d_sae=20 d=300 grid≤4', maxGridDim: 4 },
  { kernel: 'sae_forward', name: 'sae_forward M=33 d=96 d_sae=1000 k=16', seed: 31, M: 33, d: 96, dSae: 1000, k: 16 },
];

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n floats uniform in [−scale, scale). */
export function uniform(r: () => number, n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * r() - 1) * scale;
  return out;
}

export function matmulInputs(c: Extract<KernelCase, { kernel: 'matmul_bias' }>) {
  const r = rng(c.seed);
  return {
    a: uniform(r, c.M * c.K),
    b: uniform(r, c.K * c.N),
    bias: uniform(r, c.N),
    sub: uniform(r, c.K, 0.5),
  };
}

export function topkInputs(c: Extract<KernelCase, { kernel: 'topk_rows' }>): Float32Array {
  const r = rng(c.seed);
  const x = uniform(r, c.M * c.N);
  if (c.fill === 'ties') for (let i = 0; i < x.length; i++) x[i] = Math.round(x[i] * 4) / 4; // 9 values
  if (c.fill === 'zeros') {
    for (let m = 0; m < c.M; m += 2) for (let i = 0; i < c.N; i++) x[m * c.N + i] = i % 3 === 0 ? -0 : 0;
  }
  return x;
}

/** k distinct latents per row (as top-k gives), about a quarter of the values exactly 0 (ReLU'd). */
export function decodeInputs(c: Extract<KernelCase, { kernel: 'sparse_decode' }>) {
  const r = rng(c.seed);
  const idx = new Uint32Array(c.M * c.k);
  const vals = new Float32Array(c.M * c.k);
  for (let m = 0; m < c.M; m++) {
    const seen = new Set<number>();
    for (let j = 0; j < c.k; j++) {
      let l: number;
      do l = Math.floor(r() * c.dSae);
      while (seen.has(l));
      seen.add(l);
      idx[m * c.k + j] = l;
      vals[m * c.k + j] = r() < 0.25 ? 0 : 2 * r();
    }
  }
  return { idx, vals, wDec: uniform(r, c.dSae * c.d), bDec: uniform(r, c.d) };
}

export function saeInputs(c: Extract<KernelCase, { kernel: 'sae_forward' }>) {
  const r = rng(c.seed);
  return {
    x: uniform(r, c.M * c.d),
    wEnc: uniform(r, c.d * c.dSae, 0.2), // [d, d_sae]
    bEnc: uniform(r, c.dSae, 0.1),
    wDec: uniform(r, c.dSae * c.d, 0.2), // [d_sae, d]
    bDec: uniform(r, c.d, 0.5),
  };
}

// Outputs travel from the page as base64 of their little-endian bytes.
export interface EncodedTensor {
  dtype: 'f32' | 'u32';
  b64: string;
}

export function encodeTensor(t: Float32Array | Uint32Array): EncodedTensor {
  return { dtype: t instanceof Uint32Array ? 'u32' : 'f32', b64: toBase64(t) };
}

export function decodeTensor(e: EncodedTensor): Float32Array | Uint32Array {
  const s = atob(e.b64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return e.dtype === 'u32' ? new Uint32Array(bytes.buffer) : new Float32Array(bytes.buffer);
}
