// toy_grad_reduce: the batch sums of the toy model's backward pass, one thread per output, rows summed in order:
//   grad[j·n + i]   = Σ_rows h_j dy_i + dh_j x_i      (dW [m, n]: W's decoder use, then its encoder use)
//   grad[m·n + i]   = Σ_rows dy_i                      (db [n])
//   lossOut[lossSlot] = Σ_rows rowLoss                 (the thread after the last gradient entry)
// Writing the loss at a per-step slot keeps the whole loss history on the GPU until training ends.
// CPU twin: src/analysis/toy/cpu/toy_grad_reduce.ts.

struct Params {
  B: u32,
  n: u32,
  m: u32,
  lossSlot: u32,
}

override WG_X: u32 = 64u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;

@group(0) @binding(0) var<storage, read> x: array<f32>;              // [B, n]
@group(0) @binding(1) var<storage, read> h: array<f32>;              // [B, m]
@group(0) @binding(2) var<storage, read> dy: array<f32>;             // [B, n]
@group(0) @binding(3) var<storage, read> dh: array<f32>;             // [B, m]
@group(0) @binding(4) var<storage, read> rowLoss: array<f32>;        // [B]
@group(0) @binding(5) var<storage, read_write> grad: array<f32>;     // [m·n + n]
@group(0) @binding(6) var<storage, read_write> lossOut: array<f32>;  // [> lossSlot]
@group(0) @binding(7) var<uniform> p: Params;

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let t = (wid.y * nwg.x + wid.x) * WG_X + lid;
  let n = p.n;
  let m = p.m;
  let nW = m * n;
  if (t < nW) {
    let j = t / n;
    let i = t % n;
    var acc = 0.0;
    for (var r = 0u; r < p.B; r++) {
      acc += h[r * m + j] * dy[r * n + i] + dh[r * m + j] * x[r * n + i];
    }
    grad[t] = acc;
  } else if (t < nW + n) {
    let i = t - nW;
    var acc = 0.0;
    for (var r = 0u; r < p.B; r++) {
      acc += dy[r * n + i];
    }
    grad[t] = acc;
  } else if (t == nW + n) {
    var acc = 0.0;
    for (var r = 0u; r < p.B; r++) {
      acc += rowLoss[r];
    }
    lossOut[p.lossSlot] = acc;
  }
}
