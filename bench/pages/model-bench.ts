// In-page half of `npm run bench:model`: forward throughput of one model on one backend.
import { createGpt2Model } from '../../src/model/gpt2';
import type { Backend } from '../../src/model/runtime';
import { loadGpt2FromHub } from '../../src/model/sources';

export interface BenchRequest {
  hubUrl: string;
  repo: string;
  backend: Backend;
  batch: number;
  seq: number;
  runs: number;
}

export interface BenchResult {
  backend: Backend;
  fallbackReason: string | null;
  adapter: string | null;
  buildMs: number;
  sessionMs: number;
  warmupMs: number;
  msPerForward: number[];
  tokensPerSecond: number;
}

export async function benchModel(req: BenchRequest): Promise<BenchResult> {
  const loaded = await loadGpt2FromHub(req.repo, { hubUrl: req.hubUrl, cache: false });
  // logits of the last position only: a harvest-style forward, without reading back B·T·V floats.
  const model = await createGpt2Model(loaded.weights, loaded.cfg, { backend: req.backend, logits: 'last' });
  let seed = 1;
  const ids = Array.from({ length: req.batch }, () =>
    Array.from({ length: req.seq }, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % loaded.cfg.vocabSize),
  );
  let t = performance.now();
  await model.forward(ids);
  const warmupMs = performance.now() - t;
  const msPerForward: number[] = [];
  for (let r = 0; r < req.runs; r++) {
    t = performance.now();
    await model.forward(ids);
    msPerForward.push(performance.now() - t);
  }
  await model.dispose();
  const median = [...msPerForward].sort((a, b) => a - b)[Math.floor(msPerForward.length / 2)];
  return {
    backend: model.status.backend,
    fallbackReason: model.status.fallbackReason,
    adapter: model.status.adapter,
    ...model.timings,
    warmupMs,
    msPerForward,
    tokensPerSecond: (req.batch * req.seq) / (median / 1000),
  };
}
