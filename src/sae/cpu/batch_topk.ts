// CPU twin of shaders/batch_topk.wgsl: the batch selection of a BatchTopK SAE, over per-row candidates.
// vals [M, kCand] holds each row's candidate activations (the ReLU'd per-row top-kCand). Of its positive values,
// the `keep` largest stay and every other slot becomes 0, in place; ties go to the lower flat index m·kCand + j
// (with candidates sorted per row, ties by latent index, that is the lower (row, latent) of the [M, d_sae] batch,
// the tie rule of ARCHITECTURES.batchtopk). Also:
//   kept        slots kept: min(keep, positive values)
//   minKept     the smallest kept value, the batch threshold (0 when nothing is kept)
//   threshold   the running mean, updated when something is kept: (1 − rate)·threshold + rate·minKept
//   cappedRows  with capRows, rows that kept all kCand candidates (the only rows the kCand cap can truncate)
// Float32 throughout (Math.fround), as the shader.
import { checkLength } from './matmul_bias';

export interface BatchTopkOptions {
  /** The running mean before this batch (default 0). */
  threshold?: number;
  /** Its rate (default 0: unchanged). */
  emaRate?: number;
  /** Count rows whose candidates were all kept (pass kCand < d_sae: with kCand = d_sae nothing is truncated). */
  capRows?: boolean;
}

export interface BatchTopkResult {
  kept: number;
  minKept: number;
  threshold: number;
  cappedRows: number;
}

/** The running-mean update in float32, in the shader's operation order. */
export function thresholdEma(threshold: number, minKept: number, rate: number): number {
  const f = Math.fround;
  const r = f(rate);
  return f(f(f(1 - r) * f(threshold)) + f(r * f(minKept)));
}

export function batchTopk(vals: Float32Array, M: number, kCand: number, keep: number, opts: BatchTopkOptions = {}): BatchTopkResult {
  checkLength('vals', vals, M * kCand);
  if (!Number.isInteger(keep) || keep < 0) throw new RangeError(`batchTopk: keep = ${keep} must be a non-negative integer`);
  const total = M * kCand;
  const pos: number[] = [];
  for (let i = 0; i < total; i++) if (vals[i] > 0) pos.push(i);
  pos.sort((a, b) => vals[b] - vals[a] || a - b);
  const kept = new Uint8Array(total);
  const n = Math.min(keep, pos.length);
  for (let s = 0; s < n; s++) kept[pos[s]] = 1;
  const minKept = n > 0 ? vals[pos[n - 1]] : 0;

  let cappedRows = 0;
  for (let m = 0; m < M; m++) {
    let rowKept = 0;
    for (let j = 0; j < kCand; j++) {
      const i = m * kCand + j;
      if (kept[i]) rowKept++;
      else vals[i] = 0;
    }
    if (opts.capRows && rowKept === kCand) cappedRows++;
  }
  const prev = Math.fround(opts.threshold ?? 0);
  const threshold = n > 0 ? thresholdEma(prev, minKept, opts.emaRate ?? 0) : prev;
  return { kept: n, minKept, threshold, cappedRows };
}
