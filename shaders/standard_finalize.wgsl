// standard_finalize: the standard (ReLU + L1) SAE step's scalars, and the dead-latent counters, in one
// workgroup. From loss_stats' per-column partials [d, 4] (slot 0: Σ(x − mean x)², slot 1: Σ(x − x̂)²) and
// col_stats' per-latent count (rows with acts > 0) and sum (Σ_i acts) with the decoder-row norms:
//   0 loss = mse + l1Coefficient · sparsityLoss     1 mse = Σ(x − x̂)² / M     2 fvu = Σ(x − x̂)² / Σ(x − mean x)²
//   3 sparsityLoss = Σ_j sum_j · ‖W_dec[j]‖ / M     4 l0 = Σ_j count_j / M     5 numDead (before this batch)
//   6 l1Coefficient                                  7 Σ(x − x̂)²                8 Σ(x − mean x)²
// Dead counters: latents with count > 0 fired and reset to 0; the others add M, saturating at 2³² − 1.
// numDead counts sinceFired ≥ deadTokens before the update (each thread reads its latents' counters once).
// Threads sum strided columns and latents, then a tree; thread 0 writes. Σ count is exact in u32 while
// M · d_sae < 2³².
// CPU twin: src/sae/cpu/standard_finalize.ts.

struct Params {
  M: u32,
  d: u32,
  dSae: u32,
  deadTokens: u32,
  l1Coefficient: f32,
}

override WG_X: u32 = 256u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;

@group(0) @binding(0) var<storage, read> partial: array<f32>;          // [d, 4]
@group(0) @binding(1) var<storage, read> count: array<u32>;            // [dSae]
@group(0) @binding(2) var<storage, read> sum: array<f32>;              // [dSae]
@group(0) @binding(3) var<storage, read> norms: array<f32>;            // [dSae]
@group(0) @binding(4) var<storage, read_write> sinceFired: array<u32>; // [dSae]
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;      // [9]
@group(0) @binding(6) var<uniform> p: Params;

var<workgroup> sVar: array<f32, WG_X>;
var<workgroup> sSq: array<f32, WG_X>;
var<workgroup> sL1: array<f32, WG_X>;
var<workgroup> sL0: array<u32, WG_X>;
var<workgroup> sDead: array<u32, WG_X>;

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(local_invocation_index) lid: u32) {
  var varX = 0.0;
  var sq = 0.0;
  for (var c = lid; c < p.d; c += WG_X) {
    varX += partial[c * 4u];
    sq += partial[c * 4u + 1u];
  }
  var l1 = 0.0;
  var l0 = 0u;
  var dead = 0u;
  for (var l = lid; l < p.dSae; l += WG_X) {
    let n = count[l];
    l1 = fma(sum[l], norms[l], l1);
    l0 += n;
    let s = sinceFired[l];
    dead += select(0u, 1u, s >= p.deadTokens);
    sinceFired[l] = select(select(s + p.M, 0xffffffffu, s > 0xffffffffu - p.M), 0u, n > 0u);
  }
  sVar[lid] = varX;
  sSq[lid] = sq;
  sL1[lid] = l1;
  sL0[lid] = l0;
  sDead[lid] = dead;
  workgroupBarrier();
  for (var h = WG_X / 2u; h > 0u; h >>= 1u) {
    if (lid < h) {
      sVar[lid] += sVar[lid + h];
      sSq[lid] += sSq[lid + h];
      sL1[lid] += sL1[lid + h];
      sL0[lid] += sL0[lid + h];
      sDead[lid] += sDead[lid + h];
    }
    workgroupBarrier();
  }
  if (lid != 0u) {
    return;
  }
  let M = f32(p.M);
  let mse = sSq[0] / M;
  let sparsity = sL1[0] / M;
  stats[0] = mse + p.l1Coefficient * sparsity;
  stats[1] = mse;
  stats[2] = sSq[0] / sVar[0];
  stats[3] = sparsity;
  stats[4] = f32(sL0[0]) / M;
  stats[5] = f32(sDead[0]);
  stats[6] = p.l1Coefficient;
  stats[7] = sSq[0];
  stats[8] = sVar[0];
}
