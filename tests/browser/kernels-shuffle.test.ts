// The GPU shuffle pool (shaders/shuffle_swap.wgsl behind src/sae/train/gpu-shuffle.ts) against its CPU twin
// (src/sae/cpu/shuffle_swap.ts + the same seeded slots) on awkward sizes, in Chromium on SwiftShader WebGPU:
// every drawn batch and the final pool are bit-identical (the kernel only moves values), and no row of the
// stream is lost or duplicated.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { shuffleSwap } from '../../src/sae/cpu/shuffle_swap';
import { shuffleSlots } from '../../src/sae/train/gpu-shuffle';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { decodeTensor } from './pages/kernels-data';
import { type PoolTrainCase, type ShuffleCase, poolTrainOptions, streamBatches } from './pages/shuffle';
import { cpuShuffledStepper, trainSae } from '../../src/sae/train/trainer';
import { PARAM_NAMES } from '../../src/sae/train/types';
import { assertClose } from '../reference/compare';

const MODULE = '/tests/browser/pages/shuffle.ts';

const CASES: ShuffleCase[] = [
  // P a multiple of B: fills exactly.
  { name: 'P=40 B=8 d=5', seed: 1, P: 40, d: 5, batches: Array(12).fill(8) },
  // Awkward: the last fill batch overflows (rows past P skipped), a short batch at the end, d not a multiple of 4.
  { name: 'P=37 B=11 d=13', seed: 7, P: 37, d: 13, batches: [11, 11, 11, 11, 11, 11, 11, 11, 6] },
  // A pool barely larger than a batch, many draws.
  { name: 'P=17 B=16 d=3', seed: 3, P: 17, d: 3, batches: Array(20).fill(16) },
];

/** The CPU twin of the pool: same fill rule, same slots, shuffle_swap's twin. */
function cpuShuffle(c: ShuffleCase): { draws: Float32Array[]; pool: Float32Array } {
  const pool = new Float32Array(c.P * c.d);
  let filled = 0;
  let draw = 0;
  const draws: Float32Array[] = [];
  for (const x of streamBatches(c)) {
    if (filled < c.P) {
      const n = Math.min(x.length / c.d, c.P - filled);
      pool.set(x.subarray(0, n * c.d), filled * c.d);
      filled += n;
      continue;
    }
    const B = x.length / c.d;
    draws.push(shuffleSwap({ slots: shuffleSlots(c.P, B, c.seed, draw++), incoming: x, pool, B, d: c.d }));
  }
  return { draws, pool };
}

const rowIds = (t: Float32Array, d: number) => Array.from({ length: t.length / d }, (_, r) => Math.round(t[r * d]));

let app: OpenedPage;
beforeAll(async () => {
  app = await openPage(`${inject('baseUrl')}/tests/browser/pages/blank.html`, { prefix: 'shuffle' });
});
afterAll(async () => {
  await app?.close();
  await closeChromium();
});

describe('shuffle_swap / GpuShufflePool vs CPU twin', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const got = await callInPage<{ draws: { dtype: 'f32'; b64: string }[]; pool: { dtype: 'f32'; b64: string } }>(app.page, MODULE, 'runShuffle', c);
      const ref = cpuShuffle(c);
      expect(got.draws.length).toBe(ref.draws.length);
      expect(ref.draws.length).toBeGreaterThan(0);
      got.draws.forEach((e, i) => expect(Array.from(decodeTensor(e))).toEqual(Array.from(ref.draws[i])));
      const pool = decodeTensor(got.pool) as Float32Array;
      expect(Array.from(pool)).toEqual(Array.from(ref.pool));
      // Conservation: rows drawn + rows left in the pool = rows streamed in, minus those skipped while filling.
      let fillRows = 0;
      let fillBatches = 0;
      while (fillRows < c.P) fillRows += c.batches[fillBatches++];
      const streamed = c.batches.reduce((a, b) => a + b, 0);
      const skipped = new Set(Array.from({ length: fillRows - c.P }, (_, i) => c.P + i));
      const seen = [...got.draws.flatMap((e) => rowIds(decodeTensor(e) as Float32Array, c.d)), ...rowIds(pool, c.d)].sort((a, b) => a - b);
      const expected = Array.from({ length: streamed }, (_, r) => r).filter((r) => !skipped.has(r));
      expect(seen).toEqual(expected);
    });
  }
});

describe('training through the GPU shuffle pool', () => {
  // 40 stream batches: 6 fill the pool of 100 rows (rows 100..107 skipped), 34 steps draw from it.
  const c: PoolTrainCase = { seed: 5, shuffleSeed: 11, dIn: 21, dSae: 67, k: 4, B: 18, P: 100, streamBatches: 40, steps: 1000 };
  type Got = { params: Record<string, { dtype: 'f32'; b64: string }>; steps: number; fvu: number[] };

  it('equals the CPU twin behind the CPU pool, and is reproducible from its seeds', async () => {
    const gpu = await callInPage<Got>(app.page, MODULE, 'trainThroughPool', c);
    const cpu = await trainSae(poolTrainOptions(c, cpuShuffledStepper(c.B, { rows: c.P, seed: c.shuffleSeed })));
    expect(gpu.steps).toBe(34);
    expect(cpu.state.step).toBe(34);
    for (const n of PARAM_NAMES) assertClose(n, decodeTensor(gpu.params[n]) as Float32Array, cpu.state.params[n], 1e-4);
    gpu.fvu.forEach((f, i) => expect(Math.abs(f - cpu.history[i].fvu)).toBeLessThan(1e-4));
    const again = await callInPage<Got>(app.page, MODULE, 'trainThroughPool', c);
    for (const n of PARAM_NAMES) expect(again.params[n].b64).toBe(gpu.params[n].b64);
    const other = await callInPage<Got>(app.page, MODULE, 'trainThroughPool', { ...c, shuffleSeed: 12 });
    expect(other.params.W_dec.b64).not.toBe(gpu.params.W_dec.b64);
  });
});
