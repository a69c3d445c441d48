// topk_rows: per row of x[M, N], the k largest values, sorted descending, ties broken by lower index.
//   outIdx[M, k] (u32), outVal[M, k] (f32; max(v, 0) when APPLY_RELU: TopK SAE = ReLU after top-k of the
//   pre-activations, indices kept). k ≤ MAX_K = 1024. x must not contain NaN.
//
// One workgroup (256 threads) per row; radix select on a composite key, then a bitonic sort of the k winners.
//  1. orderKey(v) maps f32 to u32 so that unsigned order = float order (−0 and +0 share a key).
//  2. Four 8-bit passes, most significant digit first: a 256-bin histogram (workgroup atomics) of the digit
//     among elements whose higher digits match the prefix found so far; a suffix scan of the histogram picks the
//     bin holding the remaining-th largest. Result: T = the k-th largest key, `remaining` = how many elements
//     equal to T are in the top k, and eqCount = how many elements equal T.
//  3. Only when eqCount > remaining (ties straddle the cut): the same passes over the index key N−1−i among
//     elements equal to T, to find the remaining-th smallest index I. Then the top k under (key desc, index asc)
//     is exactly { key > T } ∪ { key == T and i ≤ I }.
//  4. Gather those k (any order, atomic slot) into workgroup memory; bitonic sort by (key desc, index asc),
//     each thread taking the pairs i = lid, lid + 256, … of a stage (sortN / 2 compare-swaps per stage).
//  5. WRITE_BY_LATENT: the same k winners again, as packed words (latent << 10) | slot sorted ascending (a
//     second bitonic sort), to byLatent[M, k]: the latent gathers (shaders/latent_grad.wgsl, enc_grad.wgsl) find
//     latent l's slot in row m by binary search (log2 k reads) instead of scanning the row's k indices.
//     Needs N ≤ 2^22 − 1 (latent in 22 bits) and k ≤ 1024 (slot in 10 bits).
// Cost: 5–7 reads of the row, ~40 barriers for the scans and ≤ 55 for the sort (sortN = 1024).
// Workgroup memory: 8 KiB for the winners at MAX_K = 1024 plus 2 KiB of radix state, inside WebGPU's default
// 16 KiB, so research sizes (k up to 512, AuxK's d_in / 2 = 384, BatchTopK's candidates up to 1024) need no
// raised limit.

// The radix select's workgroup state (hist, suffix, wKey, wIdxKey, wRemaining, wEqCount, RADIX) and steps
// (suffixScan, countAbove, ownsBin, highMask) are in shaders/lib/radix_select.wgsl, appended by the launcher.

struct Params {
  M: u32,
  N: u32,
  k: u32,
  sortN: u32,      // next power of two ≥ k
  idxPasses: u32,  // ceil(bits(N − 1) / 8): radix passes over the index key
}

override WG_X: u32 = 256u;  // must be 256 (= RADIX; one histogram bin per thread)
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;
override APPLY_RELU: bool = false;
override WRITE_BY_LATENT: bool = false;
const MAX_K = 1024u;  // src/gpu/kernels/topk_rows.ts TOPK_MAX_K
const SLOT_BITS = 10u; // byLatent: slot < MAX_K = 2^10

@group(0) @binding(0) var<storage, read> x: array<f32>;              // [M, N]
@group(0) @binding(1) var<storage, read_write> outIdx: array<u32>;   // [M, k]
@group(0) @binding(2) var<storage, read_write> outVal: array<f32>;   // [M, k]
@group(0) @binding(3) var<storage, read_write> byLatent: array<u32>; // [M, k] (any buffer when !WRITE_BY_LATENT)
@group(0) @binding(4) var<uniform> p: Params;

var<workgroup> wCount: atomic<u32>;         // gathered so far
var<workgroup> sKey: array<u32, MAX_K>;
var<workgroup> sIdx: array<u32, MAX_K>;

/// Unsigned order of the result = numeric order of v (−0 maps to +0's key).
fn orderKey(v: f32) -> u32 {
  let b = bitcast<u32>(v);
  if ((b & 0x7fffffffu) == 0u) {
    return 0x80000000u;
  }
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= p.M) {
    return;
  }
  let N = p.N;
  let base = row * N;

  if (lid == 0u) {
    wKey = 0u;
    wIdxKey = 0u;
    wRemaining = p.k;
    wEqCount = 0u;
    atomicStore(&wCount, 0u);
  }

  // 2. Radix select on the value key.
  for (var step = 0u; step < 4u; step++) {
    let shift = 24u - 8u * step;
    atomicStore(&hist[lid], 0u);
    workgroupBarrier();
    let prefix = wKey;
    let remaining = wRemaining;
    let hi = highMask(shift);
    for (var i = lid; i < N; i += WG_X) {
      let key = orderKey(x[base + i]);
      if ((key & hi) == prefix) {
        atomicAdd(&hist[(key >> shift) & 0xffu], 1u);
      }
    }
    workgroupBarrier();
    suffixScan(lid);
    if (ownsBin(lid, remaining)) {
      let above = countAbove(lid);
      wKey = prefix | (lid << shift);
      wRemaining = remaining - above;
      wEqCount = suffix[lid] - above;
    }
    workgroupBarrier();
  }
  let T = workgroupUniformLoad(&wKey);
  let eqCount = workgroupUniformLoad(&wEqCount);
  let takeEq = workgroupUniformLoad(&wRemaining);

  // 3. Ties straddle the cut: radix select the takeEq-th smallest index among key == T.
  var idxCut = 0u;  // keep key == T elements whose index key N−1−i ≥ idxCut
  if (eqCount != takeEq) {
    for (var step = 0u; step < p.idxPasses; step++) {
      let shift = 8u * (p.idxPasses - 1u - step);
      atomicStore(&hist[lid], 0u);
      workgroupBarrier();
      let prefix = wIdxKey;
      let remaining = wRemaining;
      let hi = highMask(shift);
      for (var i = lid; i < N; i += WG_X) {
        let ik = N - 1u - i;
        if ((ik & hi) == prefix && orderKey(x[base + i]) == T) {
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

  // 4. Gather exactly k winners, then sort them.
  for (var i = lid; i < N; i += WG_X) {
    let key = orderKey(x[base + i]);
    if (key > T || (key == T && N - 1u - i >= idxCut)) {
      let slot = atomicAdd(&wCount, 1u);
      if (slot < MAX_K) {
        sKey[slot] = key;
        sIdx[slot] = i;
      }
    }
  }
  workgroupBarrier();
  for (var s = p.k + lid; s < p.sortN; s += WG_X) {
    sKey[s] = 0u;            // below every real key's rank (sentinels also carry the largest index)
    sIdx[s] = 0xffffffffu;
  }
  workgroupBarrier();
  for (var size = 2u; size <= p.sortN; size <<= 1u) {
    for (var stride = size >> 1u; stride > 0u; stride >>= 1u) {
      for (var i = lid; i < p.sortN; i += WG_X) {
        let j = i ^ stride;
        if (j > i) {
          let ki = sKey[i];
          let kj = sKey[j];
          let ii = sIdx[i];
          let ij = sIdx[j];
          let iFirst = ki > kj || (ki == kj && ii < ij);
          let descending = (i & size) == 0u;
          if (iFirst != descending) {
            sKey[i] = kj;
            sKey[j] = ki;
            sIdx[i] = ij;
            sIdx[j] = ii;
          }
        }
      }
      workgroupBarrier();
    }
  }

  for (var s = lid; s < p.k; s += WG_X) {
    let i = sIdx[s];
    let v = x[base + i];
    outIdx[row * p.k + s] = i;
    outVal[row * p.k + s] = select(v, select(0.0, v, v > 0.0), APPLY_RELU);
  }

  if (WRITE_BY_LATENT) {
    // 5. Re-sort the winners by latent, packed with their slot; sentinels (all ones) sort last.
    workgroupBarrier();
    for (var s = lid; s < p.sortN; s += WG_X) {
      sKey[s] = select(0xffffffffu, (sIdx[s] << SLOT_BITS) | s, s < p.k);
    }
    workgroupBarrier();
    for (var size = 2u; size <= p.sortN; size <<= 1u) {
      for (var stride = size >> 1u; stride > 0u; stride >>= 1u) {
        for (var i = lid; i < p.sortN; i += WG_X) {
          let j = i ^ stride;
          if (j > i) {
            let ki = sKey[i];
            let kj = sKey[j];
            if ((ki > kj) == ((i & size) == 0u)) {
              sKey[i] = kj;
              sKey[j] = ki;
            }
          }
        }
        workgroupBarrier();
      }
    }
    for (var s = lid; s < p.k; s += WG_X) {
      byLatent[row * p.k + s] = sKey[s];
    }
  }
}
