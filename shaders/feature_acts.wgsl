// feature_acts: dense SAE activations from pre-activations, one thread per (row, latent) (flat over a 2-D grid):
//   MODE 0 (standard)  acts = max(pre, 0)
//   MODE 1 (jumprelu)  acts = pre > threshold[j] ? max(pre, 0) : 0
//   MODE 2 (topk)      acts = 0 everywhere; then sel_vals[m, s] is written at (m, sel_idx[m, s]) by feature_scatter
// CPU twin: src/analysis/cpu/feature_acts.ts.

struct Params {
  total: u32,  // M · d_sae
  dSae: u32,
}

override WG_X: u32 = 64u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;
override MODE: u32 = 0u;

@group(0) @binding(0) var<storage, read> pre: array<f32>;              // [M, d_sae]
@group(0) @binding(1) var<storage, read> threshold: array<f32>;        // [d_sae] (jumprelu)
@group(0) @binding(2) var<storage, read_write> acts: array<f32>;       // [M, d_sae]
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
  let v = pre[i];
  var a = 0.0;
  if (MODE == 0u) {
    a = max(v, 0.0);
  } else if (MODE == 1u) {
    if (v > threshold[i % p.dSae]) {
      a = max(v, 0.0);
    }
  }
  acts[i] = a;
}
