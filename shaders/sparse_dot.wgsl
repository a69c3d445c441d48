// sparse_dot: the gradient at the selected pre-activations, one thread per (row, slot) (flat over a 2-D grid):
//   dpre[m, j] = vals[m, j] > 0 ? Σ_c g[m, c] · W_dec[idx[m, j], c] : 0
// (dL/dval through the decoder times the ReLU mask.) The sum is an fma chain over c in order.
// CPU twin: src/sae/cpu/sparse_dot.ts.

struct Params {
  total: u32,  // M · k
  k: u32,
  d: u32,
}

override WG_X: u32 = 64u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;

@group(0) @binding(0) var<storage, read> g: array<f32>;             // [M, d]
@group(0) @binding(1) var<storage, read> idx: array<u32>;           // [M, k]
@group(0) @binding(2) var<storage, read> vals: array<f32>;          // [M, k]
@group(0) @binding(3) var<storage, read> wDec: array<f32>;          // [dSae, d]
@group(0) @binding(4) var<storage, read_write> dpre: array<f32>;    // [M, k]
@group(0) @binding(5) var<uniform> p: Params;

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let i = (wid.y * nwg.x + wid.x) * WG_X + lid;
  if (i >= p.total) {
    return;
  }
  var s = 0.0;
  if (vals[i] > 0.0) {
    let gRow = (i / p.k) * p.d;
    let wRow = idx[i] * p.d;
    for (var c = 0u; c < p.d; c++) {
      s = fma(g[gRow + c], wDec[wRow + c], s);
    }
  }
  dpre[i] = s;
}
