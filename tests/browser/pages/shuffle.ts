// Runs inside the page: the GPU shuffle pool (src/sae/train/gpu-shuffle.ts, shaders/shuffle_swap.wgsl) over a
// case's seeded stream of batches; returns every drawn batch and the final pool. ../kernels-shuffle.test.ts
// replays the same stream through the CPU twin.
import { readBuffer } from '../../../src/gpu/device';
import { GpuShufflePool } from '../../../src/sae/train/gpu-shuffle';
import { type StepperFactory, type TrainSaeOptions, gpuStepper, trainSae } from '../../../src/sae/train/trainer';
import { PARAM_NAMES, type SaeTrainConfig, trainConfig } from '../../../src/sae/train/types';
import { type EncodedTensor, encodeTensor, rng, uniform } from './kernels-data';
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

/** A training through the pool: trainSae over a seeded stream, on the GPU or (in the test) on the CPU twins. */
export interface PoolTrainCase {
  seed: number;
  shuffleSeed: number;
  dIn: number;
  dSae: number;
  k: number;
  B: number;
  P: number;
  streamBatches: number;
  steps: number;
}

export function poolTrainSetup(c: PoolTrainCase): { cfg: SaeTrainConfig; batches: Float32Array[]; sample: Float32Array } {
  const cfg = trainConfig({ dIn: c.dIn, dSae: c.dSae, k: c.k, deadTokens: 4 * c.B });
  const r = rng(c.seed);
  const batches = Array.from({ length: c.streamBatches }, () => uniform(r, c.B * c.dIn));
  return { cfg, batches, sample: batches[0] };
}

export function poolTrainOptions(c: PoolTrainCase, stepper: StepperFactory): TrainSaeOptions {
  const { cfg, batches, sample } = poolTrainSetup(c);
  return { batches, cfg, steps: c.steps, schedule: { lr: 2e-3 }, seed: c.seed, sampleForInit: sample, decoderBiasInit: 'mean', stepper };
}

export async function trainThroughPool(c: PoolTrainCase): Promise<{ params: Record<string, EncodedTensor>; steps: number; fvu: number[] }> {
  const d = await device();
  return withErrorScopes(d, 'train through pool', async () => {
    const r = await trainSae(poolTrainOptions(c, gpuStepper(d, c.B, { rows: c.P, seed: c.shuffleSeed })));
    const params: Record<string, EncodedTensor> = {};
    for (const n of PARAM_NAMES) params[n] = encodeTensor(r.state.params[n]);
    return { params, steps: r.state.step, fvu: r.history.map((h) => h.fvu) };
  });
}
