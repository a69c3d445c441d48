// dense_bias_grad: dL/db_dec of the standard SAE,
//   dbDec[c] = gSum[c] − Σ_j W_enc[c, j] · dbEnc[j]
// with gSum = Σ_i dL/dx̂_i (b_dec is added to x̂) and dbEnc = Σ_i dL/dpre_i (b_dec is subtracted from x before
// the encoder: d pre / d b_dec = −W_encᵀ). One workgroup per c (grid split over x·y); threads read the row of
// W_enc at j = lid, lid + WG_X, ... (coalesced), then a tree (WG_X a power of 2).
// CPU twin: src/sae/cpu/dense_bias_grad.ts.

struct Params {
  d: u32,
  dSae: u32,
}

override WG_X: u32 = 64u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;

@group(0) @binding(0) var<storage, read> gSum: array<f32>;        // [d]
@group(0) @binding(1) var<storage, read> wEnc: array<f32>;        // [d, dSae]
@group(0) @binding(2) var<storage, read> dbEnc: array<f32>;       // [dSae]
@group(0) @binding(3) var<storage, read_write> dbDec: array<f32>; // [d]
@group(0) @binding(4) var<uniform> p: Params;

var<workgroup> sDot: array<f32, WG_X>;

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let c = wid.y * nwg.x + wid.x;
  if (c >= p.d) {
    return;
  }
  let o = c * p.dSae;
  var s = 0.0;
  for (var j = lid; j < p.dSae; j += WG_X) {
    s = fma(wEnc[o + j], dbEnc[j], s);
  }
  sDot[lid] = s;
  workgroupBarrier();
  for (var h = WG_X / 2u; h > 0u; h >>= 1u) {
    if (lid < h) {
      sDot[lid] += sDot[lid + h];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    dbDec[c] = gSum[c] - sDot[0];
  }
}
