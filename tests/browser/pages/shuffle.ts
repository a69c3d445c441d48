// Runs inside the page: the GPU shuffle pool (src/sae/train/gpu-shuffle.ts, shaders/shuffle_swap.wgsl) over a
// case's seeded stream of batches; returns every drawn batch and the final pool. ../kernels-shuffle.test.ts
// replays the same stream through the CPU twin.
import { readBuffer } from '../../../src/gpu/device';
import { GpuShufflePool } from '../../../src/sae/train/gpu-shuffle';
import { type EncodedTensor, encodeTensor } from './kernels-data';
import { device, withErrorScopes } from './kernels-train';

export interface ShuffleCase {
  name: string;
  seed: number;
  P: number;
  d: number;
  /** Rows of each batch of the stream, in order (the first ones fill the pool). */
  batches: number[];
}

/** Row r of the stream has values r + c / 1000: every row is recognisable after shuffling. */
export function streamBatches(c: ShuffleCase): Float32Array[] {
  let row = 0;
  return c.batches.map((B) => {
    const x = new Float32Array(B * c.d);
    for (let b = 0; b < B; b++, row++) for (let j = 0; j < c.d; j++) x[b * c.d + j] = row + j / 1000;
    return x;
  });
}

export async function runShuffle(c: ShuffleCase): Promise<{ draws: EncodedTensor[]; pool: EncodedTensor }> {
  const d = await device();
  return withErrorScopes(d, c.name, async () => {
    const pool = new GpuShufflePool(d, { rows: c.P, d: c.d, maxBatch: Math.max(...c.batches), seed: c.seed });
    const draws: EncodedTensor[] = [];
    try {
      for (const x of streamBatches(c)) {
        if (!pool.full) {
          pool.fill(x);
          continue;
        }
        const B = x.length / c.d;
        const enc = d.createCommandEncoder({ label: 'shuffle-test' });
        const out = pool.draw(x, B, enc);
        d.queue.submit([enc.finish()]);
        draws.push(encodeTensor(await readBuffer(d, out, B * c.d * 4)));
      }
      return { draws, pool: encodeTensor(await pool.contents()) };
    } finally {
      pool.destroy();
    }
  });
}
