// dead_update: tokens since each latent last fired. Latent l fired in this batch ⇔ its row of the selection
// bitmap (shaders/latent_bitmap.wgsl) has a bit set; then sinceFired[l] = 0, else it grows by M, saturating at
// 2³² − 1. One thread per latent (flat over a 2-D grid).
// CPU twin: src/sae/cpu/dead_update.ts.

struct Params {
  dSae: u32,
  words: u32,
  M: u32,
}

override WG_X: u32 = 256u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;

@group(0) @binding(0) var<storage, read> bits: array<u32>;               // [dSae, words]
@group(0) @binding(1) var<storage, read_write> sinceFired: array<u32>;   // [dSae]
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let l = (wid.y * nwg.x + wid.x) * WG_X + lid;
  if (l >= p.dSae) {
    return;
  }
  var fired = 0u;
  for (var w = 0u; w < p.words; w++) {
    fired |= bits[l * p.words + w];
  }
  let s = sinceFired[l];
  sinceFired[l] = select(select(s + p.M, 0xffffffffu, s > 0xffffffffu - p.M), 0u, fired != 0u);
}
