// row_norms: the L2 norm of every row of W [rows, cols]: norms[r] = ‖W[r]‖. The standard SAE's decoder-row
// norms ‖W_dec[j]‖, which weight each latent's L1 term. One workgroup per row (grid split over x·y); each
// thread sums the squares of columns lid, lid + WG_X, ... (coalesced), then a tree (WG_X a power of 2).
// CPU twin: src/sae/cpu/row_norms.ts.

struct Params {
  rows: u32,
  cols: u32,
}

override WG_X: u32 = 64u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;

@group(0) @binding(0) var<storage, read> W: array<f32>;             // [rows, cols]
@group(0) @binding(1) var<storage, read_write> norms: array<f32>;   // [rows]
@group(0) @binding(2) var<uniform> p: Params;

var<workgroup> sSq: array<f32, WG_X>;

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let r = wid.y * nwg.x + wid.x;
  if (r >= p.rows) {
    return;
  }
  let o = r * p.cols;
  var nn = 0.0;
  for (var c = lid; c < p.cols; c += WG_X) {
    nn = fma(W[o + c], W[o + c], nn);
  }
  sSq[lid] = nn;
  workgroupBarrier();
  for (var h = WG_X / 2u; h > 0u; h >>= 1u) {
    if (lid < h) {
      sSq[lid] += sSq[lid + h];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    norms[r] = sqrt(sSq[0]);
  }
}
