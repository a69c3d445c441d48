// latent_grad: sparse weight gradients gathered per latent, without float atomics. For latent l, over the rows
// m whose bitmap bit is set (ascending m), with j the slot where idx[m, j] = l (found by binary search in byLatent):
//   out[l, c]  (+)= Σ_m coef[m, j] · (a[m, c] − sub[c])
//   sums[l]    (+)= Σ_m coef[m, j]                          (WRITE_SUMS)
// dW_dec: coef = vals, a = dL/dx̂. The transposed gather (dW_encᵀ into W_enc's [d, dSae], + db_enc) is
// shaders/enc_grad.wgsl, which tiles latents so that its writes are coalesced; the launcher picks it.
// One workgroup per (column tile, latent): grid x = ⌈d / (WG_X · COLS)⌉, latents over y·z. Every thread walks
// the latent's bitmap words in order (all threads the same rows: no barriers), finds the row's slot, and
// accumulates COLS columns strided by WG_X with fma; each sum starts at 0 and adds rows in order (the CPU
// twin's order), and ACCUMULATE adds the finished sum to what `out` holds.
// CPU twin: src/sae/cpu/latent_grad.ts.

struct Params {
  k: u32,
  dSae: u32,
  d: u32,
  words: u32,  // ⌈M / 32⌉
}

override WG_X: u32 = 64u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;
override ACCUMULATE: bool = false;
override HAS_SUB: bool = false;
override WRITE_SUMS: bool = false;
const COLS = 4u;

@group(0) @binding(0) var<storage, read> bits: array<u32>;           // [dSae, words]
@group(0) @binding(1) var<storage, read> byLatent: array<u32>;       // [M, k] (latent << 10) | slot, ascending per row
@group(0) @binding(2) var<storage, read> coef: array<f32>;           // [M, k]
@group(0) @binding(3) var<storage, read> a: array<f32>;              // [M, d]
@group(0) @binding(4) var<storage, read> sub: array<f32>;            // [d] (any buffer when !HAS_SUB)
@group(0) @binding(5) var<storage, read_write> out: array<f32>;      // [dSae, d]
@group(0) @binding(6) var<storage, read_write> sums: array<f32>;     // [dSae] (any buffer when !WRITE_SUMS)
@group(0) @binding(7) var<uniform> p: Params;

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let l = wid.z * nwg.y + wid.y;
  if (l >= p.dSae) {
    return;
  }
  let col0 = wid.x * WG_X * COLS;
  let ownsSum = WRITE_SUMS && wid.x == 0u && lid == 0u;
  var acc: array<f32, COLS>;
  var sumCoef = 0.0;
  for (var w = 0u; w < p.words; w++) {
    var word = bits[l * p.words + w];
    while (word != 0u) {
      let b = countTrailingZeros(word);
      word &= word - 1u;
      let m = w * 32u + b;
      let j = slotOf(m, l);  // shaders/lib/slot_lookup.wgsl
      let cf = select(0.0, coef[m * p.k + j], j < p.k);
      if (ownsSum) {
        sumCoef += cf;
      }
      for (var c = 0u; c < COLS; c++) {
        let col = col0 + lid + c * WG_X;
        if (col < p.d) {
          var v = a[m * p.d + col];
          if (HAS_SUB) {
            v -= sub[col];
          }
          acc[c] = fma(cf, v, acc[c]);
        }
      }
    }
  }
  for (var c = 0u; c < COLS; c++) {
    let col = col0 + lid + c * WG_X;
    if (col < p.d) {
      let o = l * p.d + col;  // consecutive threads, consecutive columns: coalesced
      out[o] = select(acc[c], out[o] + acc[c], ACCUMULATE);
    }
  }
  if (ownsSum) {
    sums[l] = select(sumCoef, sums[l] + sumCoef, ACCUMULATE);
  }
}
