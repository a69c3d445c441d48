// recon_grad: the loss gradients at the reconstructions, elementwise over M·d (flat index over a 2-D grid):
//   g[i]    = scale · (x̂[i] − x[i])                    scale = 2 / M           (dL/dx̂)
//   gAux[i] = stats[9] · (ê[i] − (x[i] − x̂[i]))        stats[9] = auxGradScale  (dL/dê; HAS_AUX only)
// CPU twin: src/sae/cpu/recon_grad.ts.

struct Params {
  total: u32,  // M · d
  scale: f32,
}

override WG_X: u32 = 256u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;
override HAS_AUX: bool = false;

@group(0) @binding(0) var<storage, read> x: array<f32>;              // [M, d]
@group(0) @binding(1) var<storage, read> xhat: array<f32>;           // [M, d]
@group(0) @binding(2) var<storage, read> ehat: array<f32>;           // [M, d] (any buffer when !HAS_AUX)
@group(0) @binding(3) var<storage, read> stats: array<f32>;          // [12] from loss_finalize
@group(0) @binding(4) var<storage, read_write> g: array<f32>;        // [M, d]
@group(0) @binding(5) var<storage, read_write> gAux: array<f32>;     // [M, d] (any buffer when !HAS_AUX)
@group(0) @binding(6) var<uniform> p: Params;

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
  g[i] = p.scale * (xhat[i] - x[i]);
  if (HAS_AUX) {
    gAux[i] = stats[9] * (ehat[i] - (x[i] - xhat[i]));
  }
}
