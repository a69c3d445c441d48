// loss_stats: per column c of the batch, the sums the step's scalars are made of (shaders/loss_finalize.wgsl
// adds them over columns):
//   partial[c, 0] = Σ_m (x − mean(x))²      partial[c, 1] = Σ_m (x − x̂)²
//   partial[c, 2] = Σ_m (e − mean(e))²      partial[c, 3] = Σ_m (e − ê)²      e = x − x̂   (2, 3: HAS_AUX only)
// One workgroup per column (grid split over x·y). Two passes over the column: the means, then the squared
// deviations; each thread takes rows lid, lid + WG_X, ... and the workgroup sums by a tree (WG_X a power of 2).
// CPU twin: src/sae/cpu/loss_stats.ts.

struct Params {
  M: u32,
  d: u32,
}

override WG_X: u32 = 64u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;
override HAS_AUX: bool = false;

@group(0) @binding(0) var<storage, read> x: array<f32>;              // [M, d]
@group(0) @binding(1) var<storage, read> xhat: array<f32>;           // [M, d]
@group(0) @binding(2) var<storage, read> ehat: array<f32>;           // [M, d] (any buffer when !HAS_AUX)
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;  // [d, 4]
@group(0) @binding(4) var<uniform> p: Params;

var<workgroup> s0: array<f32, WG_X>;
var<workgroup> s1: array<f32, WG_X>;
var<workgroup> s2: array<f32, WG_X>;
var<workgroup> s3: array<f32, WG_X>;

fn reduce(lid: u32) {
  workgroupBarrier();
  for (var s = WG_X / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      s0[lid] += s0[lid + s];
      s1[lid] += s1[lid + s];
      s2[lid] += s2[lid + s];
      s3[lid] += s3[lid + s];
    }
    workgroupBarrier();
  }
}

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
  var sx = 0.0;
  var se = 0.0;
  for (var m = lid; m < p.M; m += WG_X) {
    let i = m * p.d + c;
    sx += x[i];
    se += x[i] - xhat[i];
  }
  s0[lid] = sx;
  s1[lid] = se;
  s2[lid] = 0.0;
  s3[lid] = 0.0;
  reduce(lid);
  let meanX = s0[0] / f32(p.M);
  let meanE = s1[0] / f32(p.M);
  workgroupBarrier();

  var vx = 0.0;
  var sq = 0.0;
  var ve = 0.0;
  var aq = 0.0;
  for (var m = lid; m < p.M; m += WG_X) {
    let i = m * p.d + c;
    let e = x[i] - xhat[i];
    vx += (x[i] - meanX) * (x[i] - meanX);
    sq += e * e;
    if (HAS_AUX) {
      ve += (e - meanE) * (e - meanE);
      aq += (e - ehat[i]) * (e - ehat[i]);
    }
  }
  s0[lid] = vx;
  s1[lid] = sq;
  s2[lid] = ve;
  s3[lid] = aq;
  reduce(lid);
  if (lid == 0u) {
    partial[c * 4u + 0u] = s0[0];
    partial[c * 4u + 1u] = s1[0];
    partial[c * 4u + 2u] = s2[0];
    partial[c * 4u + 3u] = s3[0];
  }
}
