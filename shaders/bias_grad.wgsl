// bias_grad: the decoder-bias gradient (b_dec enters x̂ directly and pre through x − b_dec):
//   out[c] (+)= Σ_m ( g[m, c] − Σ_j dpre[m, j] · W_enc[c, idx[m, j]] )       (g only when HAS_G)
// One workgroup per column c (grid split over x·y); threads take rows lid, lid + WG_X, ...; each row's term is
// an fma chain over j; the rows are summed by a tree (WG_X a power of 2).
// CPU twin: src/sae/cpu/bias_grad.ts.

struct Params {
  M: u32,
  k: u32,
  dSae: u32,
  d: u32,
}

override WG_X: u32 = 64u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;
override HAS_G: bool = true;
override ACCUMULATE: bool = false;

@group(0) @binding(0) var<storage, read> g: array<f32>;           // [M, d] (any buffer when !HAS_G)
@group(0) @binding(1) var<storage, read> dpre: array<f32>;        // [M, k]
@group(0) @binding(2) var<storage, read> idx: array<u32>;         // [M, k]
@group(0) @binding(3) var<storage, read> wEnc: array<f32>;        // [d, dSae]
@group(0) @binding(4) var<storage, read_write> out: array<f32>;   // [d]
@group(0) @binding(5) var<uniform> p: Params;

var<workgroup> part: array<f32, WG_X>;

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
  var s = 0.0;
  for (var m = lid; m < p.M; m += WG_X) {
    var t = 0.0;
    if (HAS_G) {
      t = g[m * p.d + c];
    }
    for (var j = 0u; j < p.k; j++) {
      t = fma(-dpre[m * p.k + j], wEnc[c * p.dSae + idx[m * p.k + j]], t);
    }
    s += t;
  }
  part[lid] = s;
  workgroupBarrier();
  for (var h = WG_X / 2u; h > 0u; h >>= 1u) {
    if (lid < h) {
      part[lid] += part[lid + h];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    out[c] = select(part[0], out[c] + part[0], ACCUMULATE);
  }
}
