// Runs inside the page: the GPU feature statistics pass (src/analysis/feature-stats-gpu.ts) on a seeded case.
import { GpuEncoder, featureStatsGpu } from '../../../src/analysis/feature-stats-gpu';
import { type EncodedTensor, encodeTensor } from './kernels-data';
import { device, withErrorScopes } from './kernels-train';
import { type StatsCase, statsBatches, statsSetup } from './feature-stats-data';

export async function runStatsCase(c: StatsCase): Promise<{ rows: number; t: Record<string, EncodedTensor> }> {
  const d = await device();
  return withErrorScopes(d, c.name, async () => {
    const { sae, x } = statsSetup(c);
    const s = await featureStatsGpu(d, sae, statsBatches(c, x), c.opts, undefined, undefined, c.batch);
    const t = {
      count: encodeTensor(s.count),
      maxAct: encodeTensor(s.maxAct),
      sumAct: encodeTensor(Float32Array.from(s.sumAct)),
      topRows: encodeTensor(s.top.rows),
      topActs: encodeTensor(s.top.acts),
      hist: encodeTensor(s.hist),
      bandCount: encodeTensor(s.bandCount),
      bandRows: encodeTensor(s.bands.rows),
      bandActs: encodeTensor(s.bands.acts),
    };
    return { rows: s.rows, t };
  });
}

/** One feature's activations over all the case's rows through GpuEncoder.column (chunks of `batch` rows). */
export async function runColumnCase(c: StatsCase, feature: number): Promise<EncodedTensor> {
  const d = await device();
  return withErrorScopes(d, `${c.name} column`, async () => {
    const { sae, x } = statsSetup(c);
    const enc = new GpuEncoder(d, sae, c.batch);
    try {
      return encodeTensor(await enc.column(x, c.rows, feature));
    } finally {
      enc.destroy();
    }
  });
}

/** The GPU pass on a case that must be refused: the error's class name and message ('' if it ran). */
export async function runRefusedCase(c: StatsCase): Promise<{ name: string; message: string }> {
  const d = await device();
  return withErrorScopes(d, c.name, async () => {
    const { sae, x } = statsSetup(c);
    try {
      await featureStatsGpu(d, sae, statsBatches(c, x), c.opts, undefined, undefined, c.batch);
      return { name: '', message: '' };
    } catch (err) {
      return { name: (err as Error).name, message: (err as Error).message };
    }
  });
}
