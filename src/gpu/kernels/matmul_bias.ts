// Launcher for shaders/matmul_bias.wgsl: C[M, N] = (A[M, K] − sub[K]) · B[K, N] + bias[N].
// CPU twin: src/sae/cpu/matmul_bias.ts.
import source from '../../../shaders/matmul_bias.wgsl?raw';
import { type Kernel, type Vec3, runKernel } from '../kernel';

export interface MatmulBiasParams {
  M: number;
  K: number;
  N: number;
  /** Subtract a [K] vector from every row of A first (x − b_dec). */
  subtractRow?: boolean;
  /** Threads per workgroup [x (along N), y (along M)]; each computes a 4×4 micro-tile. Default [16, 16]. */
  workgroup?: readonly [number, number];
}

export interface MatmulBiasBuffers {
  a: GPUBuffer; // [M, K] f32
  b: GPUBuffer; // [K, N] f32
  bias: GPUBuffer; // [N] f32
  /** [K] f32; required iff subtractRow. */
  sub?: GPUBuffer;
  out: GPUBuffer; // [M, N] f32
}

const MICRO = 4; // TM = TN in the shader

export function matmulBiasKernel(p: MatmulBiasParams): Kernel {
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
    constants: { SUBTRACT_ROW: p.subtractRow ?? false },
    dispatch,
  };
}

/** Encodes C = (A − sub) · B + bias. Without subtractRow the `sub` binding is filled with `bias` (unread). */
export function matmulBias(device: GPUDevice, p: MatmulBiasParams, bufs: MatmulBiasBuffers, encoder?: GPUCommandEncoder): void {
  if (p.subtractRow && !bufs.sub) throw new RangeError('matmulBias: subtractRow needs a `sub` buffer');
  const kernel = matmulBiasKernel(p);
  runKernel(
    device,
    kernel,
    { a: bufs.a, b: bufs.b, bias: bufs.bias, sub: bufs.sub ?? bufs.bias, out: bufs.out },
    { M: p.M, K: p.K, N: p.N },
    encoder,
  );
}
