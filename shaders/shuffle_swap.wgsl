// shuffle_swap: one step of the GPU-side shuffle ("mixing") buffer, one thread per (row, column) of the batch
// (flat over a 2-D grid):
//   out[b, c]          = pool[slots[b], c]      the batch trained on: B rows drawn from the pool
//   pool[slots[b], c]  = incoming[b, c]         the rows just read from the store take their places
// The slots of one dispatch are distinct, so each pool row is read and then written by the same thread and no
// two threads touch the same pool row: no ordering between threads is needed.
// CPU twin: src/sae/cpu/shuffle_swap.ts.

struct Params {
  total: u32,  // B · d
  d: u32,
}

override WG_X: u32 = 64u;
override WG_Y: u32 = 1u;
override WG_Z: u32 = 1u;

@group(0) @binding(0) var<storage, read> slots: array<u32>;            // [B]     distinct rows of the pool
@group(0) @binding(1) var<storage, read> incoming: array<f32>;         // [B, d]  fresh rows from the store
@group(0) @binding(2) var<storage, read_write> pool: array<f32>;       // [P, d]
@group(0) @binding(3) var<storage, read_write> out: array<f32>;        // [B, d]
@group(0) @binding(4) var<uniform> p: Params;

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
  let b = i / p.d;
  let at = slots[b] * p.d + (i - b * p.d);
  out[i] = pool[at];
  pool[at] = incoming[i];
}
