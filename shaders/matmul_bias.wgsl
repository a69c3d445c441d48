// matmul_bias: C[M, N] = op(A − rowSub) · op(B) + bias[N]   (row-major f32)
// The dense SAE encoder pre-activation: x · W_enc + b_enc, with x - b_dec when SUBTRACT_ROW; with the transposed
// variants also the dense decoder and the backward products of the standard (ReLU) SAE:
//   TRANS_A: A is stored [K, M] and op(A) = its transpose (dW = actsᵀ · g, (x − b_dec)ᵀ · dpre)
//   TRANS_B: B is stored [N, K] and op(B) = its transpose (g · W_decᵀ)
// rowSub is subtracted from every *stored* row of A (length K, or M when TRANS_A); without HAS_BIAS no bias.
//
// Each workgroup computes a BM×BN tile of C (BM = WG_Y·TM, BN = WG_X·TN; 64×64 at 16×16 threads),
// walking K in steps of TK with A and B tiles staged in workgroup memory. Thread (tx, ty) owns a TM×TN
// micro-tile at rows ty + i·WG_Y and columns tx + j·WG_X (strided, so neighbouring threads touch neighbouring
// columns: coalesced B loads and C stores, no bank conflicts on Bs). Staging always reads consecutive stored
// addresses with consecutive threads (along K for A / transposed B, along M or N otherwise), whatever the
// layout. Out-of-range loads read 0, so any M, K, N works. Sums run over k in order with fma, like the CPU twin (src/sae/cpu/matmul_bias.ts).

struct Params {
  M: u32,
  K: u32,
  N: u32,
}

override WG_X: u32 = 16u;            // threads along N
override WG_Y: u32 = 16u;            // threads along M
override WG_Z: u32 = 1u;
override SUBTRACT_ROW: bool = false; // subtract rowSub from every stored row of A first
override TRANS_A: bool = false;      // A stored [K, M]
override TRANS_B: bool = false;      // B stored [N, K]
override HAS_BIAS: bool = true;      // add bias[N] (else the binding is not read)

const TM = 4u;                       // micro-tile rows per thread
const TN = 4u;                       // micro-tile columns per thread
const TK = 16u;                      // K depth of one staged tile
override BM: u32 = WG_Y * TM;        // tile rows per workgroup
override BN: u32 = WG_X * TN;        // tile columns per workgroup

@group(0) @binding(0) var<storage, read> A: array<f32>;        // [M, K] ([K, M] when TRANS_A)
@group(0) @binding(1) var<storage, read> B: array<f32>;        // [K, N] ([N, K] when TRANS_B)
@group(0) @binding(2) var<storage, read> bias: array<f32>;     // [N] (any buffer when !HAS_BIAS)
@group(0) @binding(3) var<storage, read> rowSub: array<f32>;   // [K] ([M] when TRANS_A; any buffer when !SUBTRACT_ROW)
@group(0) @binding(4) var<storage, read_write> C: array<f32>;  // [M, N]
@group(0) @binding(5) var<uniform> p: Params;

var<workgroup> As: array<f32, TK * BM>;  // As[kk * BM + m]  (transposed: a column of the A tile is contiguous)
var<workgroup> Bs: array<f32, TK * BN>;  // Bs[kk * BN + n]

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let row0 = wid.y * BM;
  let col0 = wid.x * BN;
  let nThreads = WG_X * WG_Y;

  var acc: array<array<f32, TN>, TM>;
  var a: array<f32, TM>;
  var b: array<f32, TN>;

  let numTiles = (p.K + TK - 1u) / TK;
  for (var t = 0u; t < numTiles; t++) {
    let k0 = t * TK;
    // Stage op(A)[row0 .. row0+BM, k0 .. k0+TK]: consecutive threads read consecutive stored addresses
    // (k of one row of A, or m of one row of Aᵀ's storage).
    for (var e = li; e < BM * TK; e += nThreads) {
      var m: u32;
      var kk: u32;
      if (TRANS_A) {
        m = e % BM;
        kk = e / BM;
      } else {
        m = e / TK;
        kk = e % TK;
      }
      let gm = row0 + m;
      let gk = k0 + kk;
      var v = 0.0;
      if (gm < p.M && gk < p.K) {
        if (TRANS_A) {
          v = A[gk * p.M + gm];
          if (SUBTRACT_ROW) {
            v -= rowSub[gm];
          }
        } else {
          v = A[gm * p.K + gk];
          if (SUBTRACT_ROW) {
            v -= rowSub[gk];
          }
        }
      }
      As[kk * BM + m] = v;
    }
    // Stage op(B)[k0 .. k0+TK, col0 .. col0+BN]: consecutive threads read consecutive n (or consecutive k of one
    // stored row of Bᵀ).
    for (var e = li; e < TK * BN; e += nThreads) {
      var kk: u32;
      var n: u32;
      if (TRANS_B) {
        kk = e % TK;
        n = e / TK;
      } else {
        kk = e / BN;
        n = e % BN;
      }
      let gk = k0 + kk;
      let gn = col0 + n;
      var v = 0.0;
      if (gk < p.K && gn < p.N) {
        if (TRANS_B) {
          v = B[gn * p.K + gk];
        } else {
          v = B[gk * p.N + gn];
        }
      }
      Bs[kk * BN + n] = v;
    }
    workgroupBarrier();

    for (var kk = 0u; kk < TK; kk++) {
      for (var i = 0u; i < TM; i++) {
        a[i] = As[kk * BM + lid.y + i * WG_Y];
      }
      for (var j = 0u; j < TN; j++) {
        b[j] = Bs[kk * BN + lid.x + j * WG_X];
      }
      for (var i = 0u; i < TM; i++) {
        for (var j = 0u; j < TN; j++) {
          acc[i][j] = fma(a[i], b[j], acc[i][j]);
        }
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < TM; i++) {
    let gm = row0 + lid.y + i * WG_Y;
    if (gm >= p.M) {
      continue;
    }
    for (var j = 0u; j < TN; j++) {
      let gn = col0 + lid.x + j * WG_X;
      if (gn < p.N) {
        var c = acc[i][j];
        if (HAS_BIAS) {
          c += bias[gn];
        }
        C[gm * p.N + gn] = c;
      }
    }
  }
}
