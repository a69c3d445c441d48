// Shared by shaders/topk_rows.wgsl and shaders/batch_topk.wgsl (their launchers append this file to the kernel's
// source, after it, so compile errors keep the kernel's own line numbers): the workgroup state and the steps of
// an exact 8-bit radix select by one workgroup of RADIX threads, one histogram bin per thread.
// Not a kernel on its own: it has no entry point.

const RADIX = 256u;

var<workgroup> hist: array<atomic<u32>, RADIX>;
var<workgroup> suffix: array<u32, RADIX>;   // suffix[b] = Σ_{b' ≥ b} hist[b']
var<workgroup> wKey: u32;                   // value-key prefix found so far (after the value passes: T)
var<workgroup> wIdxKey: u32;                // index-key prefix found so far (after the index passes: last − I)
var<workgroup> wRemaining: u32;             // rank still to find among the keys matching the prefix
var<workgroup> wEqCount: u32;               // keys in the chosen bin of the last pass

/// suffix[lid] = Σ_{b ≥ lid} hist[b]  (Hillis–Steele, 8 steps).
fn suffixScan(lid: u32) {
  suffix[lid] = atomicLoad(&hist[lid]);
  workgroupBarrier();
  for (var off = 1u; off < RADIX; off <<= 1u) {
    var v = suffix[lid];
    if (lid + off < RADIX) {
      v += suffix[lid + off];
    }
    workgroupBarrier();
    suffix[lid] = v;
    workgroupBarrier();
  }
}

/// Count in the bins above `lid`.
fn countAbove(lid: u32) -> u32 {
  return select(0u, suffix[min(lid + 1u, RADIX - 1u)], lid + 1u < RADIX);
}

/// True for the one thread whose bin holds the remaining-th largest (suffix is non-increasing).
fn ownsBin(lid: u32, remaining: u32) -> bool {
  return suffix[lid] >= remaining && countAbove(lid) < remaining;
}

/// Bits of a key above digit `shift` (0 for the top digit).
fn highMask(shift: u32) -> u32 {
  return select(0xffffffffu << min(shift + 8u, 31u), 0u, shift + 8u >= 32u);
}
