// col_stats: per column j of X [M, N], the sum over rows, and with RELU first the rectification in place and
// the count of positive entries:
//   RELU:  X[i, j] ← max(X[i, j], 0)    count[j] = #{i : X[i, j] > 0}    sum[j] = Σ_i X[i, j]
//   else:  sum[j] = Σ_i X[i, j]          (count is not written)
// The standard SAE's acts = ReLU(pre) with each latent's firing count (L0, dead latents) and activation mass
// (its L1 term), and the column sums of the backward pass (db_enc = Σ_i dpre_i, Σ_i g_i).
// A workgroup owns WG_X adjacent columns; its WG_Y row groups stride the rows (row ty, ty + WG_Y, ...), so each
// warp reads WG_X consecutive floats of one row (coalesced). The WG_Y partial sums are added in row-group order.
// Column blocks are split over a 2-D grid (block = wid.y · nwg.x + wid.x).
// CPU twin: src/sae/cpu/col_stats.ts.

struct Params {
  M: u32,
  N: u32,
}

override WG_X: u32 = 64u;   // columns per workgroup
override WG_Y: u32 = 4u;    // row groups
override WG_Z: u32 = 1u;
override RELU: bool = false;

@group(0) @binding(0) var<storage, read_write> X: array<f32>;      // [M, N] (rectified in place when RELU)
@group(0) @binding(1) var<storage, read_write> count: array<u32>;  // [N] (RELU only; any buffer otherwise)
@group(0) @binding(2) var<storage, read_write> sum: array<f32>;    // [N]
@group(0) @binding(3) var<uniform> p: Params;

var<workgroup> sSum: array<f32, WG_X * WG_Y>;
var<workgroup> sCount: array<u32, WG_X * WG_Y>;

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let j = (wid.y * nwg.x + wid.x) * WG_X + lid.x;
  var s = 0.0;
  var n = 0u;
  if (j < p.N) {
    for (var i = lid.y; i < p.M; i += WG_Y) {
      let e = i * p.N + j;
      var v = X[e];
      if (RELU) {
        v = max(v, 0.0);
        X[e] = v;
        n += select(0u, 1u, v > 0.0);
      }
      s += v;
    }
  }
  sSum[lid.y * WG_X + lid.x] = s;
  sCount[lid.y * WG_X + lid.x] = n;
  workgroupBarrier();
  if (lid.y != 0u || j >= p.N) {
    return;
  }
  var total = 0.0;
  var fired = 0u;
  for (var y = 0u; y < WG_Y; y++) {
    total += sSum[y * WG_X + lid.x];
    fired += sCount[y * WG_X + lid.x];
  }
  sum[j] = total;
  if (RELU) {
    count[j] = fired;
  }
}
