// adam: one bias-corrected Adam step in place, elementwise (flat over a 2-D grid):
//   m ← β1 m + (1 − β1) g      v ← β2 v + (1 − β2) g²      p ← p − stepSize · m / (√v / sqrtBc2 + ε)
// with stepSize = lr / (1 − β1ᵗ) and sqrtBc2 = √(1 − β2ᵗ) computed on the host per step (src/sae/cpu/adam.ts
// adamScalars), so the learning-rate schedule is just a uniform.
// CPU twin: src/sae/cpu/adam.ts.

struct Params {
  total: u32,
  beta1: f32,
  oneMinusBeta1: f32,
  beta2: f32,
  oneMinusBeta2: f32,
  eps: f32,
  stepSize: f32,
  sqrtBc2: f32,
}

override WG_X: u32 = 256u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> m1: array<f32>;
@group(0) @binding(3) var<storage, read_write> m2: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

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
  let g = grad[i];
  let m = p.beta1 * m1[i] + p.oneMinusBeta1 * g;
  let v = p.beta2 * m2[i] + p.oneMinusBeta2 * (g * g);
  m1[i] = m;
  m2[i] = v;
  param[i] = param[i] - p.stepSize * (m / (sqrt(v) / p.sqrtBc2 + p.eps));
}
