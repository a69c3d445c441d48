// feature_stats: pass 1 of the feature statistics, one thread per feature, looping over the batch's rows in
// order (threads of a workgroup read adjacent features of a row: coalesced). Running state per feature lives in
// storage and is updated in place, batch after batch:
//   count[f] += rows with act > 0         max[f] = max(max[f], act)
//   sum[f], comp[f]: Kahan-compensated running sum of act (f32 that stays accurate over millions of rows)
//   top[f, 0..N): the N largest acts, descending; rows arrive in increasing order, so a tie keeps the earlier
//   (lower) row: a new act enters only if strictly larger than the last slot's.
// CPU twin: src/analysis/cpu/feature_stats.ts.

struct Params {
  M: u32,
  dSae: u32,
  firstRow: u32,
  topN: u32,
}

override WG_X: u32 = 64u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;

const EMPTY: u32 = 0xffffffffu;

@group(0) @binding(0) var<storage, read> acts: array<f32>;               // [M, d_sae]
@group(0) @binding(1) var<storage, read_write> count: array<u32>;        // [d_sae]
@group(0) @binding(2) var<storage, read_write> maxAct: array<f32>;       // [d_sae]
@group(0) @binding(3) var<storage, read_write> sum: array<f32>;          // [d_sae]
@group(0) @binding(4) var<storage, read_write> comp: array<f32>;         // [d_sae]  Kahan compensation
@group(0) @binding(5) var<storage, read_write> topRows: array<u32>;      // [d_sae, N]
@group(0) @binding(6) var<storage, read_write> topActs: array<f32>;      // [d_sae, N]
@group(0) @binding(7) var<uniform> p: Params;

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let f = (wid.y * nwg.x + wid.x) * WG_X + lid;
  if (f >= p.dSae) {
    return;
  }
  var c = count[f];
  var mx = maxAct[f];
  var s = sum[f];
  var e = comp[f];
  let off = f * p.topN;
  for (var r = 0u; r < p.M; r++) {
    let a = acts[r * p.dSae + f];
    if (!(a > 0.0)) {
      continue;
    }
    c += 1u;
    mx = max(mx, a);
    let y = a - e;
    let t = s + y;
    e = (t - s) - y;
    s = t;
    let last = off + p.topN - 1u;
    if (topRows[last] == EMPTY || a > topActs[last]) {
      var j = p.topN - 1u;
      loop {
        if (j == 0u) { break; }
        let q = off + j - 1u;
        if (topRows[q] != EMPTY && !(a > topActs[q])) { break; }
        topRows[off + j] = topRows[q];
        topActs[off + j] = topActs[q];
        j -= 1u;
      }
      topRows[off + j] = p.firstRow + r;
      topActs[off + j] = a;
    }
  }
  count[f] = c;
  maxAct[f] = mx;
  sum[f] = s;
  comp[f] = e;
}
