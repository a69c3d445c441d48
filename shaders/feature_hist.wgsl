// feature_hist: pass 2 of the feature statistics, one thread per feature over the batch's rows in order:
//   bin  = #{ j in 1..nBins−1 : act ≥ max[f] · binFrac[j−1] }      (hist[f, bin] += 1)
//   band = #{ j in 1..nBands−1 : act ≥ max[f] · bandFrac[j−1] }    (bandCount[f, band] += 1)
// and the band keeps the bandSize rows with the smallest hash(row, f) (murmur3 finaliser; u32 arithmetic is exact,
// and f32 products are correctly rounded, so the CPU twin reproduces every bin, band and sample bit for bit).
// Rows arrive in increasing order, so on an equal hash the earlier row stays.
// CPU twin: src/analysis/cpu/feature_hist.ts.

struct Params {
  M: u32,
  dSae: u32,
  firstRow: u32,
  nBins: u32,
  nBands: u32,
  bandSize: u32,
}

override WG_X: u32 = 64u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;

const EMPTY: u32 = 0xffffffffu;

@group(0) @binding(0) var<storage, read> acts: array<f32>;               // [M, d_sae]
@group(0) @binding(1) var<storage, read> maxAct: array<f32>;             // [d_sae]
@group(0) @binding(2) var<storage, read> binFrac: array<f32>;            // [nBins − 1]   j / nBins
@group(0) @binding(3) var<storage, read> bandFrac: array<f32>;           // [nBands − 1]  j / nBands
@group(0) @binding(4) var<storage, read_write> hist: array<u32>;         // [d_sae, nBins]
@group(0) @binding(5) var<storage, read_write> bandCount: array<u32>;    // [d_sae, nBands]
@group(0) @binding(6) var<storage, read_write> bandRows: array<u32>;     // [d_sae, nBands, S]
@group(0) @binding(7) var<storage, read_write> bandKeys: array<u32>;     // [d_sae, nBands, S]
@group(0) @binding(8) var<storage, read_write> bandActs: array<f32>;     // [d_sae, nBands, S]
@group(0) @binding(9) var<uniform> p: Params;

fn sampleHash(row: u32, f: u32) -> u32 {
  var h = (row * 0x9e3779b1u) ^ ((f + 1u) * 0x85ebca77u);
  h = (h ^ (h >> 16u)) * 0x85ebca6bu;
  h = (h ^ (h >> 13u)) * 0xc2b2ae35u;
  return h ^ (h >> 16u);
}

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
  let mx = maxAct[f];
  for (var r = 0u; r < p.M; r++) {
    let a = acts[r * p.dSae + f];
    if (!(a > 0.0)) {
      continue;
    }
    var bin = 0u;
    for (var j = 1u; j < p.nBins; j++) {
      if (a >= mx * binFrac[j - 1u]) { bin = j; }
    }
    hist[f * p.nBins + bin] += 1u;
    var band = 0u;
    for (var j = 1u; j < p.nBands; j++) {
      if (a >= mx * bandFrac[j - 1u]) { band = j; }
    }
    let cb = f * p.nBands + band;
    bandCount[cb] += 1u;
    let row = p.firstRow + r;
    let key = sampleHash(row, f);
    let off = cb * p.bandSize;
    let last = off + p.bandSize - 1u;
    if (bandRows[last] == EMPTY || key < bandKeys[last]) {
      var j = p.bandSize - 1u;
      loop {
        if (j == 0u) { break; }
        let q = off + j - 1u;
        if (bandRows[q] != EMPTY && !(key < bandKeys[q])) { break; }
        bandRows[off + j] = bandRows[q];
        bandKeys[off + j] = bandKeys[q];
        bandActs[off + j] = bandActs[q];
        j -= 1u;
      }
      bandRows[off + j] = row;
      bandKeys[off + j] = key;
      bandActs[off + j] = a;
    }
  }
}
