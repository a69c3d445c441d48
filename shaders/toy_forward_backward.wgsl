// toy_forward_backward: the toy model of superposition's forward pass and the per-row half of its backward
// pass, one thread per batch row (n and m are small, so a row's loops are short):
//   h = W x            x' = ReLU(Wᵀ h + b)          rowLoss = Σ_i I_i (x_i − x'_i)² / B
//   dy_i = [Wᵀh + b > 0]_i · 2 I_i (x'_i − x_i) / B   dh = W dy
// params packs W [m, n] then b [n]. The batch sums are shaders/toy_grad_reduce.wgsl (no float atomics in WGSL,
// so rows write their own slices and a second pass sums them in a fixed order).
// CPU twin: src/analysis/toy/cpu/toy_forward_backward.ts.

struct Params {
  B: u32,
  n: u32,
  m: u32,
}

override WG_X: u32 = 64u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;

@group(0) @binding(0) var<storage, read> params: array<f32>;          // [m·n + n]
@group(0) @binding(1) var<storage, read> x: array<f32>;               // [B, n]
@group(0) @binding(2) var<storage, read> importance: array<f32>;      // [n]
@group(0) @binding(3) var<storage, read_write> h: array<f32>;         // [B, m]
@group(0) @binding(4) var<storage, read_write> dy: array<f32>;        // [B, n]
@group(0) @binding(5) var<storage, read_write> dh: array<f32>;        // [B, m]
@group(0) @binding(6) var<storage, read_write> rowLoss: array<f32>;   // [B]
@group(0) @binding(7) var<uniform> p: Params;

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let r = (wid.y * nwg.x + wid.x) * WG_X + lid;
  if (r >= p.B) {
    return;
  }
  let n = p.n;
  let m = p.m;
  let bOff = m * n;
  let invB = 1.0 / f32(p.B);
  for (var j = 0u; j < m; j++) {
    var acc = 0.0;
    for (var i = 0u; i < n; i++) {
      acc += params[j * n + i] * x[r * n + i];
    }
    h[r * m + j] = acc;
  }
  var loss = 0.0;
  for (var i = 0u; i < n; i++) {
    var y = params[bOff + i];
    for (var j = 0u; j < m; j++) {
      y += params[j * n + i] * h[r * m + j];
    }
    let e = max(y, 0.0) - x[r * n + i];
    loss += importance[i] * e * e;
    dy[r * n + i] = select(0.0, 2.0 * importance[i] * e * invB, y > 0.0);
  }
  rowLoss[r] = loss * invB;
  for (var j = 0u; j < m; j++) {
    var acc = 0.0;
    for (var i = 0u; i < n; i++) {
      acc += params[j * n + i] * dy[r * n + i];
    }
    dh[r * m + j] = acc;
  }
}
