// Launcher for shaders/matmul_bias.wgsl: C[M, N] = op(A − sub) · op(B) + bias[N], op = identity or transpose.
// CPU twin: src/sae/cpu/matmul_bias.ts.
import source from '../../../shaders/matmul_bias.wgsl?raw';
import { type Kernel, type Vec3, runKernel } from '../kernel';

export interface MatmulBiasParams {
  M: number;
  K: number;
  N: number;
  /** Subtract a vector from every stored row of A first (x − b_dec): [K], or [M] with transA. */
  subtractRow?: boolean;
  /** A is stored [K, M] and used transposed. */
  transA?: boolean;
  /** B is stored [N, K] and used transposed. */
  transB?: boolean;
  /** Threads per workgroup [x (along N), y (along M)]; each computes a 4×4 micro-tile. Default [16, 16]. */
  workgroup?: readonly [number, number];
}

export interface MatmulBiasBuffers {
  a: GPUBuffer; // [M, K] f32 ([K, M] with transA)
  b: GPUBuffer; // [K, N] f32 ([N, K] with transB)
  /** [N] f32; omit for C = op(A − sub) · op(B). */
  bias?: GPUBuffer;
  /** [K] f32 ([M] with transA); required iff subtractRow. */
  sub?: GPUBuffer;
  out: GPUBuffer; // [M, N] f32
}

const MICRO = 4; // TM = TN in the shader

export function matmulBiasKernel(p: MatmulBiasParams & { hasBias?: boolean }): Kernel {
  const [wx, wy] = p.workgroup ?? [16, 16];
  const dispatch: Vec3 = [Math.ceil(p.N / (wx * MICRO)), Math.ceil(p.M / (wy * MICRO)), 1];
  return {
    name: 'matmul_bias',
    source,
    storage: [
      { name: 'a', access: 'read' },
      { name: 'b', access: 'read' },
      { name: 'bias', access: 'read' },
      { name: 'sub', access: 'read' },
      { name: 'out', access: 'read_write' },
    ],
    uniforms: [
      { name: 'M', type: 'u32' },
      { name: 'K', type: 'u32' },
      { name: 'N', type: 'u32' },
    ],
    workgroupSize: [wx, wy, 1],
    constants: { SUBTRACT_ROW: p.subtractRow ?? false, TRANS_A: p.transA ?? false, TRANS_B: p.transB ?? false, HAS_BIAS: p.hasBias ?? true },
    dispatch,
  };
}

/**
 * Encodes C = op(A − sub) · op(B) + bias. Unused read-only bindings (`sub` without subtractRow, `bias` when
 * omitted) are filled with `a` (unread; never `out`, which is writable).
 */
export function matmulBias(device: GPUDevice, p: MatmulBiasParams, bufs: MatmulBiasBuffers, encoder?: GPUCommandEncoder): void {
  if (p.subtractRow && !bufs.sub) throw new RangeError('matmulBias: subtractRow needs a `sub` buffer');
  const kernel = matmulBiasKernel({ ...p, hasBias: bufs.bias !== undefined });
  const bias = bufs.bias ?? bufs.a;
  runKernel(
    device,
    kernel,
    { a: bufs.a, b: bufs.b, bias, sub: bufs.sub ?? bias, out: bufs.out },
    { M: p.M, K: p.K, N: p.N },
    encoder,
  );
}
