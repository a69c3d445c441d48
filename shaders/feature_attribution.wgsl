// feature_attribution: each SAE feature's contribution to one target logit, read along two directions of the
// hook's space at once (direct logit attribution and activation × gradient):
//   out[k, f] = acts[f] · Σ_c W_dec[f, c] · dirs[k, c]          k ∈ {0, 1}
// dirs[0] is the unembedding readout of the target (after ln_f's frozen scale), dirs[1] the gradient of the
// target logit at the hook. One thread per feature (flat over a 2-D grid): a sparse SAE fires a few dozen of
// its features on a token, so almost every thread writes two zeros and leaves without reading its decoder row,
// and a workgroup-per-feature reduction would spend its time on barriers of idle workgroups. The sums are fma
// chains over c in order. CPU twin: src/analysis/cpu/feature_attribution.ts.

struct Params {
  dSae: u32,
  dIn: u32,
}

override WG_X: u32 = 64u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;

@group(0) @binding(0) var<storage, read> wDec: array<f32>;          // [dSae, dIn]
@group(0) @binding(1) var<storage, read> acts: array<f32>;          // [dSae]
@group(0) @binding(2) var<storage, read> dirs: array<f32>;          // [2, dIn]
@group(0) @binding(3) var<storage, read_write> out: array<f32>;     // [2, dSae]
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let f = (wid.y * nwg.x + wid.x) * WG_X + lid;
  if (f >= p.dSae) {
    return;
  }
  let a = acts[f];
  var s0 = 0.0;
  var s1 = 0.0;
  if (a != 0.0) {
    let o = f * p.dIn;
    for (var c = 0u; c < p.dIn; c++) {
      let wv = wDec[o + c];
      s0 = fma(wv, dirs[c], s0);
      s1 = fma(wv, dirs[p.dIn + c], s1);
    }
  }
  out[f] = a * s0;
  out[p.dSae + f] = a * s1;
}
