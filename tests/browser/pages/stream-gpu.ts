// Runs inside the page: one stream training (src/stream/stream-train.ts) twice over the same corpus and the same
// synthetic forward — once with the WebGPU trainer (no swap pool: the block mixer shuffles), once with the CPU twin —
// and returns both SAEs. The comparison is in ../stream-gpu.test.ts.
import { mulberry32 } from '../../../src/core/random';
import { cpuStepper, gpuStepper } from '../../../src/sae/train/trainer';
import { trainConfig } from '../../../src/sae/train/types';
import { type StreamTrainOptions, streamTrain } from '../../../src/stream/stream-train';
import { type EncodedTensor, encodeTensor } from './kernels-data';
import { device, withErrorScopes } from './kernels-train';

const D = 37;
const TEXT = Array.from({ length: 6 }, (_, doc) => Array.from({ length: 200 + 37 * doc }, (_, i) => `w${(i * 7 + doc) % 53}`).join(' '));

function options(): Omit<StreamTrainOptions, 'hooks'> {
  const rand = mulberry32(5); // the forward's rows: uniform, in the order positions are forwarded
  const vocab = new Map<string, number>();
  return {
    open: async function* () {
      for (let i = 0; i < TEXT.length; i++) yield { file: `doc${i}.txt`, index: 0, text: TEXT[i], final: true };
    },
    tokenizer: { encode: (t) => t.split(' ').map((w) => vocab.get(w) ?? (vocab.set(w, vocab.size + 1), vocab.size)) },
    contextLength: 13,
    bosTokenId: 0,
    separatorTokenId: 0,
    heldOut: { share: 0.2, seed: 1 },
    forward: async (ids) => {
      const T = ids[0].length;
      return { h: { shape: [ids.length, T, D], data: Float32Array.from({ length: ids.length * T * D }, () => rand() * 2 - 1) } };
    },
    forwardBatch: 3,
    skipBos: true,
    batchSize: 23,
    blockSteps: 2,
    steps: 5,
    schedule: { lr: 1e-3, warmupSteps: 1 },
    seed: 9,
  };
}

export async function streamGpuVsTwin(): Promise<Record<'gpu' | 'cpu', Record<string, EncodedTensor>> & { steps: Record<'gpu' | 'cpu', number> }> {
  const d = await device();
  const cfg = trainConfig({ dIn: D, dSae: 129, k: 5, deadTokens: 40 });
  const out = { steps: {} } as Record<'gpu' | 'cpu', Record<string, EncodedTensor>> & { steps: Record<'gpu' | 'cpu', number> };
  for (const which of ['gpu', 'cpu'] as const) {
    const stepper = which === 'gpu' ? gpuStepper(d, 23) : cpuStepper;
    const r = await withErrorScopes(d, `stream ${which}`, () => streamTrain({ ...options(), hooks: [{ name: 'h', dim: D, cfg, stepper }] }));
    const s = r.results.get('h')!.state;
    out.steps[which] = s.step;
    out[which] = Object.fromEntries(Object.entries(s.params).map(([k, v]) => [k, encodeTensor(v)]));
  }
  return out;
}
