// sparse_dot: the gradient at the selected pre-activations, one thread per (row, slot) (flat over a 2-D grid):
//   dpre[m, j] = vals[m, j] > 0 ? Σ_c g[m, c] · W_dec[idx[m, j], c] : 0
// (dL/dval through the decoder times the ReLU mask.) The sum is an fma chain over c in order.
// WRITE_BITS fuses shaders/latent_bitmap.wgsl into the same pass (it has the same one thread per (row, slot) and
// already reads vals and idx): a slot with vals > 0 also sets bit (idx, row) of `bits` with atomicOr (cleared
// first by the launcher), which saves the training step one dispatch per loss term (main, AuxK).
// CPU twins: src/sae/cpu/sparse_dot.ts (dpre) and src/sae/cpu/latent_bitmap.ts (bits).

struct Params {
  total: u32,  // M · k
  k: u32,
  d: u32,
  words: u32,  // ⌈M / 32⌉ bitmap words per latent (WRITE_BITS)
}

override WG_X: u32 = 64u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;
override WRITE_BITS: bool = false;

@group(0) @binding(0) var<storage, read> g: array<f32>;             // [M, d]
@group(0) @binding(1) var<storage, read> idx: array<u32>;           // [M, k]
@group(0) @binding(2) var<storage, read> vals: array<f32>;          // [M, k]
@group(0) @binding(3) var<storage, read> wDec: array<f32>;          // [dSae, d]
@group(0) @binding(4) var<storage, read_write> dpre: array<f32>;    // [M, k]
@group(0) @binding(5) var<storage, read_write> bits: array<atomic<u32>>;  // [dSae, words] (any buffer when !WRITE_BITS)
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
  var s = 0.0;
  if (vals[i] > 0.0) {
    let row = i / p.k;
    let gRow = row * p.d;
    let l = idx[i];
    let wRow = l * p.d;
    if (WRITE_BITS) {
      atomicOr(&bits[l * p.words + row / 32u], 1u << (row % 32u));
    }
    for (var c = 0u; c < p.d; c++) {
      s = fma(g[gRow + c], wDec[wRow + c], s);
    }
  }
  dpre[i] = s;
}
