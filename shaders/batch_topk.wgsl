// batch_topk: the batch selection of a BatchTopK SAE. vals[M, kCand] holds each row's candidates (the ReLU'd
// per-row top-kCand of shaders/topk_rows.wgsl); of its positive values the `keep` largest stay, every other slot
// is set to 0 in place, so later kernels (which skip or mask val = 0 slots) treat it as not selected.
// Ties go to the lower flat index m·kCand + j. Writes result[4] (u32 words):
//   0 kept (u32)   1 smallest kept value, the batch threshold (f32 bits; 0 when nothing is kept)
//   2 the threshold's running mean (f32 bits; read, and when something is kept set to (1 − r)·old + r·smallest)
//   3 rows that kept all kCand candidates (u32; only when CAP_ROWS)
// With keep ≥ M·kCand nothing is zeroed and the kernel just counts the positive values (TopK's L0).
// CPU twin: src/sae/cpu/batch_topk.ts.
//
// One workgroup of 256 threads; an exact radix select, as in shaders/topk_rows.wgsl but over the whole array:
//  1. key(v) = bits of v for v > 0 (unsigned order = float order for positive floats), 0 otherwise (never kept).
//  2. Four 8-bit passes over the positive keys, top digit first: a 256-bin histogram (workgroup atomics) of the
//     digit among keys whose higher digits match the prefix so far, and a suffix scan to pick the bin holding the
//     remaining-th largest. The first pass also counts the positives P; if P ≤ keep all of them stay.
//     Result: T = the keep-th largest key, takeEq = how many keys equal to T are kept, eqCount = keys equal to T.
//  3. Only when eqCount > takeEq: the same passes over the index key total−1−i among keys equal to T, to find
//     the takeEq-th smallest flat index I. Kept = { key > T } ∪ { key == T and i ≤ I }.
//  4. One pass per row: zero the slots not kept, count kept and capped rows, take the smallest kept key.
// Cost: 5–8 reads of the M·kCand values by one workgroup (one read when keep ≥ M·kCand: the count alone).

// The radix select's workgroup state (hist, suffix, wKey, wIdxKey, wRemaining, wEqCount, RADIX) and steps
// (suffixScan, countAbove, ownsBin, highMask) are in shaders/lib/radix_select.wgsl, appended by the launcher.

struct Params {
  total: u32,      // M · kCand
  kCand: u32,
  M: u32,
  keep: u32,       // ⌊M · k⌋
  idxPasses: u32,  // ceil(bits(total − 1) / 8): radix passes over the index key
  emaRate: f32,
}

override WG_X: u32 = 256u;  // must be 256 (= RADIX; one histogram bin per thread)
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;
override CAP_ROWS: bool = false;
const NONE = 0xffffffffu;

@group(0) @binding(0) var<storage, read_write> vals: array<f32>;    // [M, kCand]
@group(0) @binding(1) var<storage, read_write> result: array<u32>;  // [4]
@group(0) @binding(2) var<uniform> p: Params;

var<workgroup> wPositive: u32;              // P
var<workgroup> wKept: atomic<u32>;
var<workgroup> wCapped: atomic<u32>;
var<workgroup> wMinKey: atomic<u32>;

fn key(v: f32) -> u32 {
  return select(0u, bitcast<u32>(v), v > 0.0);
}

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(local_invocation_index) lid: u32) {
  let total = p.total;
  if (lid == 0u) {
    wKey = 0u;
    wIdxKey = 0u;
    wRemaining = p.keep;
    wEqCount = 0u;
    wPositive = 0u;
    atomicStore(&wKept, 0u);
    atomicStore(&wCapped, 0u);
    atomicStore(&wMinKey, NONE);
  }

  // 2. Radix select on the positive keys (skipped when everything positive stays, or nothing does).
  var selecting = p.keep > 0u && p.keep < total;
  for (var step = 0u; step < 4u && selecting; step++) {
    let shift = 24u - 8u * step;
    atomicStore(&hist[lid], 0u);
    workgroupBarrier();
    let prefix = wKey;
    let remaining = wRemaining;
    let hi = highMask(shift);
    for (var i = lid; i < total; i += WG_X) {
      let k = key(vals[i]);
      if (k != 0u && (k & hi) == prefix) {
        atomicAdd(&hist[(k >> shift) & 0xffu], 1u);
      }
    }
    workgroupBarrier();
    suffixScan(lid);
    if (step == 0u && lid == 0u) {
      wPositive = suffix[0];
    }
    if (ownsBin(lid, remaining)) {
      let above = countAbove(lid);
      wKey = prefix | (lid << shift);
      wRemaining = remaining - above;
      wEqCount = suffix[lid] - above;
    }
    selecting = workgroupUniformLoad(&wPositive) > p.keep;
  }
  let positive = workgroupUniformLoad(&wPositive);
  // Kept ⇔ key > T, or key == T and total−1−i ≥ idxCut.
  var T = workgroupUniformLoad(&wKey);
  var idxCut = 0u;
  if (p.keep == 0u) {
    T = NONE;  // above every key
  } else if (p.keep >= total || positive <= p.keep) {
    T = 0u;  // every positive key, and no zero key (idxCut exceeds every index key)
    idxCut = NONE;
  } else {
    // 3. Ties straddle the cut: radix select the takeEq-th smallest index among key == T.
    let eqCount = workgroupUniformLoad(&wEqCount);
    let takeEq = workgroupUniformLoad(&wRemaining);
    if (eqCount != takeEq) {
      for (var step = 0u; step < p.idxPasses; step++) {
        let shift = 8u * (p.idxPasses - 1u - step);
        atomicStore(&hist[lid], 0u);
        workgroupBarrier();
        let prefix = wIdxKey;
        let remaining = wRemaining;
        let hi = highMask(shift);
        for (var i = lid; i < total; i += WG_X) {
          let ik = total - 1u - i;
          if ((ik & hi) == prefix && key(vals[i]) == T) {
            atomicAdd(&hist[(ik >> shift) & 0xffu], 1u);
          }
        }
        workgroupBarrier();
        suffixScan(lid);
        if (ownsBin(lid, remaining)) {
          wIdxKey = prefix | (lid << shift);
          wRemaining = remaining - countAbove(lid);
        }
        workgroupBarrier();
      }
      idxCut = workgroupUniformLoad(&wIdxKey);
    }
  }

  // 4. Zero what is not kept; counts and the smallest kept key.
  var kept = 0u;
  var capped = 0u;
  var minKey = NONE;
  for (var m = lid; m < p.M; m += WG_X) {
    var rowKept = 0u;
    for (var j = 0u; j < p.kCand; j++) {
      let i = m * p.kCand + j;
      let k = key(vals[i]);
      if (k > T || (k == T && total - 1u - i >= idxCut)) {
        rowKept++;
        minKey = min(minKey, k);
      } else {
        vals[i] = 0.0;
      }
    }
    kept += rowKept;
    capped += select(0u, 1u, CAP_ROWS && rowKept == p.kCand);
  }
  atomicAdd(&wKept, kept);
  atomicAdd(&wCapped, capped);
  atomicMin(&wMinKey, minKey);
  workgroupBarrier();
  if (lid == 0u) {
    let n = atomicLoad(&wKept);
    let smallest = select(0.0, bitcast<f32>(atomicLoad(&wMinKey)), n > 0u);
    var ema = bitcast<f32>(result[2]);
    if (n > 0u) {
      let r = p.emaRate;
      ema = (1.0 - r) * ema + r * smallest;
    }
    result[0] = n;
    result[1] = bitcast<u32>(smallest);
    result[2] = bitcast<u32>(ema);
    result[3] = atomicLoad(&wCapped);
  }
}
