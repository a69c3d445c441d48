// enc_grad: the encoder's sparse gradient dW_encᵀ (W_enc's [d, dSae] layout) and db_enc, gathered per latent
// without float atomics, with coalesced writes. For latent l, over the rows m whose bitmap bit is set (ascending
// m), with j the slot where idx[m, j] = l (found by binary search in byLatent):
//   out[c, l]  (+)= Σ_m coef[m, j] · (a[m, c] − sub[c])     coef = dpre, a = x, sub = b_dec
//   sums[l]    (+)= Σ_m coef[m, j]                          (WRITE_SUMS: db_enc)
// The same sums as shaders/latent_grad.wgsl (each starts at 0, adds rows in order with fma; ACCUMULATE adds the
// finished sum to what out holds), so the CPU twin is the same: src/sae/cpu/latent_grad.ts with transposed.
//
// Why a kernel of its own: latent_grad gives consecutive threads consecutive columns c of one latent, which is
// coalesced for W_dec's [dSae, d] but strides W_enc's [d, dSae] by dSae floats per thread (one 4-byte write per
// 32-byte sector). Here a workgroup owns a tile of TL = 16 latents × TC = 64 columns:
//   gather   thread lid takes latent l0 + lid / 16 and columns col0 + lid % 16 + 16·q (q < 4): the 16 threads of a
//            latent walk its bitmap together and read 16 consecutive floats of a row
//   write    the tile goes through workgroup memory; thread lid then writes entries e = lid + 256·r as
//            (column e / 16, latent e % 16): 16 consecutive latents, one 64-byte run of W_enc per 16 threads
// Grid: x = ⌈d / 64⌉ column tiles, latent tiles ⌈dSae / 16⌉ over y·z.

struct Params {
  k: u32,
  dSae: u32,
  d: u32,
  words: u32,  // ⌈M / 32⌉
}

override WG_X: u32 = 256u;  // must be TL · TPL = 256
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;
override ACCUMULATE: bool = false;
override WRITE_SUMS: bool = false;
override HAS_SUB: bool = true;
const TL = 16u;    // latents per tile
const TPL = 16u;   // threads per latent
const COLS = 4u;   // columns per thread
const TC = 64u;    // TPL · COLS columns per tile

@group(0) @binding(0) var<storage, read> bits: array<u32>;           // [dSae, words]
@group(0) @binding(1) var<storage, read> byLatent: array<u32>;       // [M, k] (latent << 10) | slot, ascending per row
@group(0) @binding(2) var<storage, read> coef: array<f32>;           // [M, k]
@group(0) @binding(3) var<storage, read> a: array<f32>;              // [M, d]
@group(0) @binding(4) var<storage, read> sub: array<f32>;            // [d] (any buffer when !HAS_SUB)
@group(0) @binding(5) var<storage, read_write> out: array<f32>;      // [d, dSae]
@group(0) @binding(6) var<storage, read_write> sums: array<f32>;     // [dSae] (any buffer when !WRITE_SUMS)
@group(0) @binding(7) var<uniform> p: Params;

var<workgroup> tile: array<f32, 1024>;  // [TC, TL]: tile[cl · TL + ll]

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let l0 = (wid.z * nwg.y + wid.y) * TL;
  if (l0 >= p.dSae) {
    return;  // the whole workgroup: uniform, before any barrier
  }
  let col0 = wid.x * TC;
  let ll = lid / TPL;
  let ci = lid % TPL;
  let l = l0 + ll;
  var acc: array<f32, COLS>;
  var sumCoef = 0.0;
  if (l < p.dSae) {
    for (var w = 0u; w < p.words; w++) {
      var word = bits[l * p.words + w];
      while (word != 0u) {
        let b = countTrailingZeros(word);
        word &= word - 1u;
        let m = w * 32u + b;
        let j = slotOf(m, l);  // shaders/lib/slot_lookup.wgsl
        let cf = select(0.0, coef[m * p.k + j], j < p.k);
        sumCoef += cf;
        for (var q = 0u; q < COLS; q++) {
          let col = col0 + ci + q * TPL;
          if (col < p.d) {
            var v = a[m * p.d + col];
            if (HAS_SUB) {
              v -= sub[col];
            }
            acc[q] = fma(cf, v, acc[q]);
          }
        }
      }
    }
  }
  for (var q = 0u; q < COLS; q++) {
    tile[(ci + q * TPL) * TL + ll] = acc[q];
  }
  if (WRITE_SUMS && wid.x == 0u && ci == 0u && l < p.dSae) {
    sums[l] = select(sumCoef, sums[l] + sumCoef, ACCUMULATE);
  }
  workgroupBarrier();
  for (var e = lid; e < TC * TL; e += WG_X) {
    let col = col0 + e / TL;
    let lt = l0 + e % TL;
    if (col < p.d && lt < p.dSae) {
      let o = col * p.dSae + lt;
      out[o] = select(tile[e], out[o] + tile[e], ACCUMULATE);
    }
  }
}
