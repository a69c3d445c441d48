// One activation function per SAE architecture, behind a registry (as SAELens keeps one file per architecture).
// Each maps pre-activations pre[n, d_sae] to dense activations acts[n, d_sae]; everything else in an SAE
// (encoder matmul, decoder) is shared and lives in ./sae.ts.
//
//   standard   acts = ReLU(pre)
//   topk       per row, keep the k largest pre-activations, then ReLU them          (SAELens TopK)
//   batchtopk  over the whole batch, keep the ⌊n·k⌋ largest, then ReLU             (SAELens BatchTopK)
//   jumprelu   acts = ReLU(pre) · [pre > threshold]                                   (SAELens JumpReLUSAE)
//
// Ties in every top-k go to the lower index (lower flat index for batchtopk), so results are deterministic
// and match the WGSL top-k kernel. For jumprelu we follow SAELens' inference SAE, which applies ReLU before the
// mask; that equals pre · [pre > threshold] whenever threshold ≥ 0 (always, for trained thresholds = exp(log θ)).
import { topkRows } from './cpu/topk_rows';

export type SaeArchitecture = 'topk' | 'batchtopk' | 'standard' | 'jumprelu';

export interface ActivationParams {
  k?: number; //                 topk (integer) and batchtopk (average per row; may be fractional, as in SAELens)
  threshold?: Float32Array; //   [d_sae], jumprelu
}

export interface ArchitectureSpec {
  name: SaeArchitecture;
  usesK: boolean;
  usesThreshold: boolean;
  /** pre [n, d_sae] → acts [n, d_sae]; writes into `out` when given. */
  activate(pre: Float32Array, n: number, dSae: number, p: ActivationParams, out?: Float32Array): Float32Array;
}

const relu = (v: number) => (v > 0 ? v : 0);

export const ARCHITECTURES: Record<SaeArchitecture, ArchitectureSpec> = {
  standard: {
    name: 'standard',
    usesK: false,
    usesThreshold: false,
    activate(pre, n, dSae, _p, out = new Float32Array(n * dSae)) {
      for (let i = 0; i < n * dSae; i++) out[i] = relu(pre[i]);
      return out;
    },
  },
  topk: {
    name: 'topk',
    usesK: true,
    usesThreshold: false,
    activate(pre, n, dSae, p, out = new Float32Array(n * dSae)) {
      const k = p.k!;
      out.fill(0, 0, n * dSae);
      for (let r = 0; r < n; r++) {
        const off = r * dSae;
        for (const j of topkIndices(pre.subarray(off, off + dSae), k)) out[off + j] = relu(pre[off + j]);
      }
      return out;
    },
  },
  batchtopk: {
    name: 'batchtopk',
    usesK: true,
    usesThreshold: false,
    activate(pre, n, dSae, p, out = new Float32Array(n * dSae)) {
      const total = n * dSae;
      const keep = Math.min(total, Math.floor(p.k! * n)); // SAELens: int(k · batch)
      out.fill(0, 0, total);
      if (keep > 0) for (const j of topkIndices(pre.subarray(0, total), keep)) out[j] = relu(pre[j]);
      return out;
    },
  },
  jumprelu: {
    name: 'jumprelu',
    usesK: false,
    usesThreshold: true,
    activate(pre, n, dSae, p, out = new Float32Array(n * dSae)) {
      const th = p.threshold!;
      for (let r = 0; r < n; r++) {
        const off = r * dSae;
        for (let j = 0; j < dSae; j++) {
          const v = pre[off + j];
          out[off + j] = v > th[j] ? relu(v) : 0;
        }
      }
      return out;
    },
  },
};

export function isSaeArchitecture(name: unknown): name is SaeArchitecture {
  return typeof name === 'string' && Object.hasOwn(ARCHITECTURES, name);
}

/**
 * Indices of the k largest entries of `row`, best first; ties go to the lower index (the CPU twin of the
 * top-k kernel, so CPU encodings select exactly what the GPU selects). Rows must not hold NaN.
 */
export function topkIndices(row: ArrayLike<number>, k: number): Uint32Array {
  const len = row.length;
  if (!Number.isInteger(k) || k < 0 || k > len) throw new RangeError(`topkIndices: k = ${k} must be an integer in 0..${len}`);
  if (k === 0) return new Uint32Array(0);
  const x = row instanceof Float32Array ? row : Float32Array.from(row);
  return topkRows(x, 1, len, k).indices;
}
