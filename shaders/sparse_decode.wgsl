// sparse_decode: out[M, d] = b_dec[d] + Σ_j vals[m, j] · W_dec[idx[m, j], :]   (row-major f32)
// The TopK SAE decoder: only the k active latents of each row are read from W_dec [d_sae, d].
//
// One workgroup per (row, tile of WG_X·COLS columns); grid = (column tiles, rows split over y·z).
// The row's (val, idx) pairs are staged WG_X at a time in workgroup memory; every thread then walks them
// and accumulates COLS columns strided by WG_X (neighbouring threads read neighbouring floats of a W_dec row).
// Zero values are skipped (ReLU'd latents), as in the CPU twin (src/sae/cpu/sparse_decode.ts).

struct Params {
  M: u32,
  k: u32,
  dSae: u32,
  d: u32,
}

override WG_X: u32 = 64u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;
const COLS = 4u;  // columns per thread

@group(0) @binding(0) var<storage, read> vals: array<f32>;      // [M, k]
@group(0) @binding(1) var<storage, read> idx: array<u32>;       // [M, k], each < dSae
@group(0) @binding(2) var<storage, read> wDec: array<f32>;      // [dSae, d]
@group(0) @binding(3) var<storage, read> bDec: array<f32>;      // [d]
@group(0) @binding(4) var<storage, read_write> out: array<f32>; // [M, d]
@group(0) @binding(5) var<uniform> p: Params;

var<workgroup> sVal: array<f32, WG_X>;
var<workgroup> sIdx: array<u32, WG_X>;

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wid.z * nwg.y + wid.y;
  if (row >= p.M) {
    return;
  }
  let col0 = wid.x * WG_X * COLS;

  var acc: array<f32, COLS>;
  for (var c = 0u; c < COLS; c++) {
    let col = col0 + lid + c * WG_X;
    if (col < p.d) {
      acc[c] = bDec[col];
    }
  }

  for (var j0 = 0u; j0 < p.k; j0 += WG_X) {
    let j = j0 + lid;
    if (j < p.k) {
      sVal[lid] = vals[row * p.k + j];
      sIdx[lid] = idx[row * p.k + j];
    }
    workgroupBarrier();
    let n = min(WG_X, p.k - j0);
    for (var t = 0u; t < n; t++) {
      let v = sVal[t];
      if (v != 0.0) {
        let wRow = sIdx[t] * p.d;
        for (var c = 0u; c < COLS; c++) {
          let col = col0 + lid + c * WG_X;
          if (col < p.d) {
            acc[c] = fma(v, wDec[wRow + col], acc[c]);
          }
        }
      }
    }
    workgroupBarrier();
  }

  for (var c = 0u; c < COLS; c++) {
    let col = col0 + lid + c * WG_X;
    if (col < p.d) {
      out[row * p.d + col] = acc[c];
    }
  }
}
