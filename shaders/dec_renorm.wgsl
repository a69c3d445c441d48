// dec_renorm: scales every decoder row to unit L2 norm (all-zero rows stay). One workgroup per row (grid split
// over x·y); a tree sum of squares (WG_X a power of 2).
// CPU twin: src/sae/cpu/dec_renorm.ts.

struct Params {
  dSae: u32,
  d: u32,
}

override WG_X: u32 = 64u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;

@group(0) @binding(0) var<storage, read_write> wDec: array<f32>;   // [dSae, d]
@group(0) @binding(1) var<uniform> p: Params;

var<workgroup> sNorm: array<f32, WG_X>;

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let l = wid.y * nwg.x + wid.x;
  if (l >= p.dSae) {
    return;
  }
  let o = l * p.d;
  var nn = 0.0;
  for (var c = lid; c < p.d; c += WG_X) {
    nn = fma(wDec[o + c], wDec[o + c], nn);
  }
  sNorm[lid] = nn;
  workgroupBarrier();
  for (var h = WG_X / 2u; h > 0u; h >>= 1u) {
    if (lid < h) {
      sNorm[lid] += sNorm[lid + h];
    }
    workgroupBarrier();
  }
  let norm2 = sNorm[0];
  if (!(norm2 > 0.0)) {
    return;
  }
  let n = sqrt(norm2);
  for (var c = lid; c < p.d; c += WG_X) {
    wDec[o + c] = wDec[o + c] / n;
  }
}
