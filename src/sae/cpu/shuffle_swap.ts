// CPU twin of shaders/shuffle_swap.wgsl: out[b] = pool[slots[b]], then pool[slots[b]] = incoming[b] (in place).
import { checkLength } from './matmul_bias';

export function shuffleSwap(o: { slots: Uint32Array; incoming: Float32Array; pool: Float32Array; B: number; d: number }): Float32Array {
  const { slots, incoming, pool, B, d } = o;
  checkLength('slots', slots, B);
  checkLength('incoming', incoming, B * d);
  const out = new Float32Array(B * d);
  for (let b = 0; b < B; b++) {
    const at = slots[b] * d;
    if (at + d > pool.length) throw new RangeError(`shuffleSwap: slot ${slots[b]} is outside the pool of ${pool.length / d} rows`);
    out.set(pool.subarray(at, at + d), b * d);
    pool.set(incoming.subarray(b * d, (b + 1) * d), at);
  }
  return out;
}
