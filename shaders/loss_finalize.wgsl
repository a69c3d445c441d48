// loss_finalize: the step's scalars from loss_stats' per-column partials and the dead counters, into
// stats[12] (slots: src/sae/cpu/loss_stats.ts STAT):
//   0 loss = mse + auxCoef · auxLoss   1 mse = Σ(x − x̂)² / M   2 fvu = Σ(x − x̂)² / Σ(x − mean x)²
//   3 auxLoss = Σ(e − ê)² / Σ(e − mean e)²   4 numDead   5 Σ(x − x̂)²   6 Σ(x − mean x)²   7 Σ(e − ê)²
//   8 Σ(e − mean e)²   9 auxGradScale = 2 auxCoef / Σ(e − mean e)²
// (3, 7, 8, 9 are 0 unless HAS_AUX, some latent is dead and the residual varies.)
// One workgroup: threads sum strided columns and count dead latents, then a tree; thread 0 writes.
// CPU twin: src/sae/cpu/loss_stats.ts.

struct Params {
  M: u32,
  d: u32,
  dSae: u32,
  deadTokens: u32,
  auxCoef: f32,
}

override WG_X: u32 = 256u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;
override HAS_AUX: bool = false;

@group(0) @binding(0) var<storage, read> partial: array<f32>;      // [d, 4]
@group(0) @binding(1) var<storage, read> sinceFired: array<u32>;   // [dSae]
@group(0) @binding(2) var<storage, read_write> stats: array<f32>;  // [12]
@group(0) @binding(3) var<uniform> p: Params;

var<workgroup> s0: array<f32, WG_X>;
var<workgroup> s1: array<f32, WG_X>;
var<workgroup> s2: array<f32, WG_X>;
var<workgroup> s3: array<f32, WG_X>;
var<workgroup> nDead: array<u32, WG_X>;

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(local_invocation_index) lid: u32) {
  var a = vec4<f32>(0.0);
  for (var c = lid; c < p.d; c += WG_X) {
    a += vec4<f32>(partial[c * 4u], partial[c * 4u + 1u], partial[c * 4u + 2u], partial[c * 4u + 3u]);
  }
  var n = 0u;
  for (var l = lid; l < p.dSae; l += WG_X) {
    n += select(0u, 1u, sinceFired[l] >= p.deadTokens);
  }
  s0[lid] = a.x;
  s1[lid] = a.y;
  s2[lid] = a.z;
  s3[lid] = a.w;
  nDead[lid] = n;
  workgroupBarrier();
  for (var s = WG_X / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      s0[lid] += s0[lid + s];
      s1[lid] += s1[lid + s];
      s2[lid] += s2[lid + s];
      s3[lid] += s3[lid + s];
      nDead[lid] += nDead[lid + s];
    }
    workgroupBarrier();
  }
  if (lid != 0u) {
    return;
  }
  let varX = s0[0];
  let sumSq = s1[0];
  let varE = s2[0];
  let auxSq = s3[0];
  let numDead = nDead[0];
  let aux = HAS_AUX && numDead > 0u && varE > 0.0;
  let mse = sumSq / f32(p.M);
  let auxLoss = select(0.0, auxSq / varE, aux);
  stats[0] = mse + p.auxCoef * auxLoss;
  stats[1] = mse;
  stats[2] = sumSq / varX;
  stats[3] = auxLoss;
  stats[4] = f32(numDead);
  stats[5] = sumSq;
  stats[6] = varX;
  stats[7] = select(0.0, auxSq, aux);
  stats[8] = select(0.0, varE, aux);
  stats[9] = select(0.0, 2.0 * p.auxCoef / varE, aux);
  stats[10] = 0.0;
  stats[11] = 0.0;
}
