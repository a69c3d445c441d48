// CPU twin of shaders/topk_rows.wgsl: per row of x[M, N], the k largest values sorted descending, ties broken
// by lower index; with relu, values are max(v, 0) after selection (TopK SAE: top-k of pre-activations, then ReLU,
// indices kept). −0 and +0 compare equal. Rows must not contain NaN.
// A size-k min-heap per row (root = the worst kept element) makes it O(N log k), with a one-compare fast reject.
import { checkLength } from './matmul_bias';

export interface TopkRows {
  indices: Uint32Array; // [M, k]
  values: Float32Array; // [M, k]
}

export interface TopkOptions {
  relu?: boolean;
}

/** a ranks before b: larger value, or equal value and lower index. */
function before(va: number, ia: number, vb: number, ib: number): boolean {
  return va > vb || (va === vb && ia < ib);
}

export function topkRows(x: Float32Array, M: number, N: number, k: number, opts: TopkOptions = {}, out?: TopkRows): TopkRows {
  checkLength('x', x, M * N);
  if (!Number.isInteger(k) || k < 1 || k > N) throw new RangeError(`topkRows: k = ${k} must be in 1..N (N = ${N})`);
  const res = out ?? { indices: new Uint32Array(M * k), values: new Float32Array(M * k) };
  checkLength('indices', res.indices, M * k);
  checkLength('values', res.values, M * k);

  const hv = new Float64Array(k); // heap values
  const hi = new Uint32Array(k); // heap indices
  const order = new Array<number>(k);
  for (let m = 0; m < M; m++) {
    const off = m * N;
    for (let i = 0; i < k; i++) {
      hv[i] = x[off + i];
      hi[i] = i;
      siftUp(hv, hi, i);
    }
    for (let i = k; i < N; i++) {
      const v = x[off + i];
      if (v <= hv[0]) continue; // equal value and a higher index never beats the root
      hv[0] = v;
      hi[0] = i;
      siftDown(hv, hi, k);
    }
    for (let s = 0; s < k; s++) order[s] = s;
    order.sort((p, q) => (before(hv[p], hi[p], hv[q], hi[q]) ? -1 : 1));
    for (let s = 0; s < k; s++) {
      const v = hv[order[s]];
      res.indices[m * k + s] = hi[order[s]];
      res.values[m * k + s] = opts.relu ? (v > 0 ? v : 0) : v;
    }
  }
  return res;
}

// Min-heap under `before`: the parent never ranks before its children, so the root is the worst element.
function siftUp(hv: Float64Array, hi: Uint32Array, pos: number): void {
  while (pos > 0) {
    const parent = (pos - 1) >> 1;
    if (!before(hv[parent], hi[parent], hv[pos], hi[pos])) break;
    swap(hv, hi, parent, pos);
    pos = parent;
  }
}

function siftDown(hv: Float64Array, hi: Uint32Array, n: number): void {
  let pos = 0;
  for (;;) {
    const l = 2 * pos + 1;
    if (l >= n) break;
    const r = l + 1;
    let worst = l;
    if (r < n && before(hv[l], hi[l], hv[r], hi[r])) worst = r;
    if (!before(hv[pos], hi[pos], hv[worst], hi[worst])) break;
    swap(hv, hi, pos, worst);
    pos = worst;
  }
}

function swap(hv: Float64Array, hi: Uint32Array, a: number, b: number): void {
  const tv = hv[a];
  hv[a] = hv[b];
  hv[b] = tv;
  const ti = hi[a];
  hi[a] = hi[b];
  hi[b] = ti;
}

/** Bits of the slot in a byLatent word (shaders/topk_rows.wgsl WRITE_BY_LATENT). */
export const SLOT_BITS = 10;

/**
 * Twin of topk_rows' byLatent output: each row's selection as words (latent << 10) | slot, sorted ascending, so
 * a latent's slot in a row is found by binary search. idx [M, k] as topkRows gives it (distinct per row).
 */
export function latentOrder(idx: Uint32Array, M: number, k: number): Uint32Array {
  checkLength('idx', idx, M * k);
  if (k > 1 << SLOT_BITS) throw new RangeError(`latentOrder: k = ${k} must be ≤ ${1 << SLOT_BITS}`);
  const out = new Uint32Array(M * k);
  for (let m = 0; m < M; m++) {
    const row = out.subarray(m * k, (m + 1) * k);
    for (let j = 0; j < k; j++) row[j] = ((idx[m * k + j] << SLOT_BITS) | j) >>> 0;
    row.sort(); // typed-array sort: numeric ascending
  }
  return out;
}
