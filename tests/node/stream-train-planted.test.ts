// (c) Planted-dictionary recovery through the stream path: the corpus, held-out split, windowing, forward batches,
// row source, block mixer and fan-out are the real ones; only the model forward is synthetic — it emits, for each
// token position, a row made of 3 of 48 planted unit features in 16 dimensions (tests/helpers/planted.ts), in the
// order the positions are forwarded. The TopK SAE (d_sae 64, k 3, batch 64, 3000 steps, as
// tests/node/sae-train-planted.test.ts) must have a decoder row at cosine ≥ 0.9 for ≥ 90% of the features.
import { describe, expect, it } from 'vitest';
import { readCorpus } from '../../src/corpus/read';
import { trainConfig } from '../../src/sae/train/types';
import { streamTrain } from '../../src/stream/stream-train';
import { bestCosines, plantedData } from '../helpers/planted';
import { mobyChapters } from '../helpers/moby-corpus';

const FEATURES = 48;
const D = 16;
const B = 64;
const STEPS = 3000;

describe('stream training on a planted dictionary', () => {
  it('recovers ≥ 90% of 48 planted features at cosine ≥ 0.9 through the stream machinery', async () => {
    const files = mobyChapters(12);
    const data = plantedData(1234, { features: FEATURES, d: D, active: 3, batch: 1 });
    // A whitespace "tokenizer" over a made-up vocabulary keeps the test about the stream, not about BPE.
    const vocab = new Map<string, number>();
    const tokenizer = { encode: (text: string) => text.split(/\s+/).filter(Boolean).map((w) => vocab.get(w) ?? (vocab.set(w, vocab.size + 1), vocab.size)) };
    let forwarded = 0;
    const cfg = trainConfig({ dIn: D, dSae: 64, k: 3, deadTokens: 100 * B });
    const r = await streamTrain({
      open: () => readCorpus(files),
      tokenizer,
      contextLength: 65,
      bosTokenId: 0,
      separatorTokenId: 0,
      heldOut: { share: 0.1, seed: 1 },
      forward: async (ids) => {
        const T = ids[0].length;
        const out = new Float32Array(ids.length * T * D);
        for (let i = 0; i < ids.length * T; i++) out.set(data.batch(), i * D);
        forwarded += ids.length * T;
        return { planted: { shape: [ids.length, T, D], data: out } };
      },
      forwardBatch: 8,
      skipBos: true,
      hooks: [{ name: 'planted', dim: D, cfg }],
      batchSize: B,
      steps: STEPS,
      schedule: { lr: 4e-3, warmupSteps: 100, decay: 'linear', decayStart: Math.floor(0.8 * STEPS) },
      seed: 7,
    });
    const res = r.results.get('planted')!;
    const cos = bestCosines(data.dict, D, res.state.params.W_dec, cfg.dSae);
    const found = cos.filter((c) => c >= 0.9).length;
    console.log(`stream planted: recovered ${found}/${FEATURES} (min best cosine ${Math.min(...cos).toFixed(3)}), last FVU ${res.history.at(-1)!.fvu.toFixed(4)}, ${forwarded} positions forwarded, blocks of ${r.blockSteps} steps`);
    expect(res.history).toHaveLength(STEPS);
    expect(forwarded).toBeGreaterThanOrEqual(STEPS * B); // every trained row came through the forward
    expect(found).toBeGreaterThanOrEqual(Math.ceil(0.9 * FEATURES));
    expect(res.history.at(-1)!.fvu).toBeLessThan(0.25);
  });
});
