// dec_grad_project: removes from each decoder row's gradient its component along the row, so the optimiser step
// moves the row (to first order) along the unit sphere: grad_l ← grad_l − (grad_l·w_l / ‖w_l‖²) w_l; all-zero
// rows are left alone. One workgroup per row (grid split over x·y); tree sums (WG_X a power of 2).
// CPU twin: src/sae/cpu/dec_grad_project.ts.

struct Params {
  dSae: u32,
  d: u32,
}

override WG_X: u32 = 64u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;

@group(0) @binding(0) var<storage, read_write> grad: array<f32>;   // [dSae, d]
@group(0) @binding(1) var<storage, read> wDec: array<f32>;         // [dSae, d]
@group(0) @binding(2) var<uniform> p: Params;

var<workgroup> sDot: array<f32, WG_X>;
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
  var dot = 0.0;
  var nn = 0.0;
  for (var c = lid; c < p.d; c += WG_X) {
    dot = fma(grad[o + c], wDec[o + c], dot);
    nn = fma(wDec[o + c], wDec[o + c], nn);
  }
  sDot[lid] = dot;
  sNorm[lid] = nn;
  workgroupBarrier();
  for (var h = WG_X / 2u; h > 0u; h >>= 1u) {
    if (lid < h) {
      sDot[lid] += sDot[lid + h];
      sNorm[lid] += sNorm[lid + h];
    }
    workgroupBarrier();
  }
  let norm2 = sNorm[0];
  if (!(norm2 > 0.0)) {
    return;
  }
  let f = sDot[0] / norm2;
  for (var c = lid; c < p.d; c += WG_X) {
    grad[o + c] = fma(-f, wDec[o + c], grad[o + c]);
  }
}
