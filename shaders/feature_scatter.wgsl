// feature_scatter: writes a per-row selection (top-k indices and ReLU'd values) into dense activations, one
// thread per (row, slot): acts[m, idx[m, s]] = vals[m, s]. Indices of a row are distinct, so no two threads write
// the same element. Runs after feature_acts (MODE 2) cleared acts.
// CPU twin: src/analysis/cpu/feature_acts.ts.

struct Params {
  total: u32,  // M · k
  k: u32,
  dSae: u32,
}

override WG_X: u32 = 64u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;

@group(0) @binding(0) var<storage, read> idx: array<u32>;         // [M, k]
@group(0) @binding(1) var<storage, read> vals: array<f32>;        // [M, k]
@group(0) @binding(2) var<storage, read_write> acts: array<f32>;  // [M, d_sae]
@group(0) @binding(3) var<uniform> p: Params;

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
  let m = i / p.k;
  acts[m * p.dSae + idx[i]] = vals[i];
}
