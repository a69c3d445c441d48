// dec_norm_grad: adds the decoder-norm-weighted L1 term's gradient to dL/dW_dec, in place, elementwise over
// [dSae, d] (flat index over a 2-D grid):
//   grad[j, c] += scale · sum[j] / norms[j] · W_dec[j, c]          (0 for an all-zero row)
// from d/dW_dec[j] of (λ/M) Σ_i acts_ij ‖W_dec[j]‖ = (λ/M) (Σ_i acts_ij) W_dec[j] / ‖W_dec[j]‖, scale = λ / M,
// sum[j] = Σ_i acts_ij (col_stats), norms[j] = ‖W_dec[j]‖ (row_norms).
// CPU twin: src/sae/cpu/dec_norm_grad.ts.

struct Params {
  total: u32,  // dSae · d
  d: u32,
  scale: f32,
}

override WG_X: u32 = 256u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;

@group(0) @binding(0) var<storage, read> wDec: array<f32>;        // [dSae, d]
@group(0) @binding(1) var<storage, read> sum: array<f32>;         // [dSae]
@group(0) @binding(2) var<storage, read> norms: array<f32>;       // [dSae]
@group(0) @binding(3) var<storage, read_write> grad: array<f32>;  // [dSae, d]
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
  let j = i / p.d;
  let n = norms[j];
  if (n > 0.0) {
    grad[i] += (p.scale * sum[j] / n) * wDec[i];
  }
}
