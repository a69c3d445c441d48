// mask_dead: the AuxK candidates. out[m, l] = pre[m, l] if sinceFired[l] ≥ deadTokens (latent l is dead), else
// −FLT_MAX (not −∞: WGSL lets implementations assume no infinities). A top-k (ReLU) of `out` then picks the best
// dead latents of each row. Elementwise over M·N, one thread per
// element, the flat index split over a 2-D grid (gid = (wid.y · nwg.x + wid.x) · WG_X + lid).
// CPU twin: src/sae/cpu/mask_dead.ts.

struct Params {
  total: u32,      // M · N
  N: u32,
  deadTokens: u32,
}

override WG_X: u32 = 256u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;

@group(0) @binding(0) var<storage, read> pre: array<f32>;          // [M, N]
@group(0) @binding(1) var<storage, read> sinceFired: array<u32>;   // [N]
@group(0) @binding(2) var<storage, read_write> out: array<f32>;    // [M, N]
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
  let l = i % p.N;
  out[i] = select(-0x1.fffffep+127f, pre[i], sinceFired[l] >= p.deadTokens);
}
