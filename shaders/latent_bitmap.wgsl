// latent_bitmap: the inverted index of a top-k selection as a bitmap, bits[l, w] bit b set ⇔ row 32·w + b has
// latent l among its slots with a positive value. One thread per (row, slot) (flat over a 2-D grid); atomicOr
// sets the bits, so the result does not depend on thread order. The buffer must be zeroed first (the launcher
// clears it). Read in row order by shaders/latent_grad.wgsl (a deterministic gather per latent) and by
// shaders/dead_update.wgsl (a latent fired ⇔ its bitmap row is not all zero).
// CPU twin: src/sae/cpu/latent_bitmap.ts.

struct Params {
  total: u32,  // M · k
  k: u32,
  words: u32,  // ⌈M / 32⌉ words per latent
}

override WG_X: u32 = 256u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;

@group(0) @binding(0) var<storage, read> idx: array<u32>;                 // [M, k]
@group(0) @binding(1) var<storage, read> vals: array<f32>;                // [M, k]
@group(0) @binding(2) var<storage, read_write> bits: array<atomic<u32>>;  // [dSae, words]
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let i = (wid.y * nwg.x + wid.x) * WG_X + lid;
  if (i >= p.total || !(vals[i] > 0.0)) {
    return;
  }
  let row = i / p.k;
  atomicOr(&bits[idx[i] * p.words + row / 32u], 1u << (row % 32u));
}
