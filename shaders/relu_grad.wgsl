// relu_grad: dL/dpre of the standard SAE from dL/dacts, in place, elementwise over [M, N] (flat index over a
// 2-D grid):
//   grad[i, j] ← acts[i, j] > 0 ? grad[i, j] + scale · norms[j] : 0
// with grad = g · W_decᵀ on entry, scale = λ / M and norms[j] = ‖W_dec[j]‖: the ReLU's mask applied to the
// reconstruction term plus the decoder-norm-weighted L1 term (λ/M) Σ acts_ij ‖W_dec[j]‖.
// CPU twin: src/sae/cpu/relu_grad.ts.

struct Params {
  total: u32,  // M · N
  N: u32,
  scale: f32,
}

override WG_X: u32 = 256u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;

@group(0) @binding(0) var<storage, read> acts: array<f32>;        // [M, N]
@group(0) @binding(1) var<storage, read> norms: array<f32>;       // [N]
@group(0) @binding(2) var<storage, read_write> grad: array<f32>;  // [M, N]
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
  grad[i] = select(0.0, grad[i] + p.scale * norms[i % p.N], acts[i] > 0.0);
}
