// In-page half of `npm run bench:dataset`: a Hub dataset → SAELens windows (list, Range-read, decode, tokenize, pack)
// in tokens/s, and the harvest's forward over the same windows on the same model, in one page.
import { streamDataset } from '../../src/corpus/dataset-stream';
import { resolveDataset } from '../../src/corpus/hub-dataset';
import { createGpt2Model } from '../../src/model/gpt2';
import type { Backend } from '../../src/model/runtime';
import { loadGpt2FromHub } from '../../src/model/sources';
import { SaeLensPacker } from '../../src/store/saelens-pack';

export interface DatasetBenchRequest {
  hubUrl: string;
  modelRepo: string;
  datasets: string[]; // dataset repos on the lookalike
  backend: Backend;
  hook: string;
  contextLength: number;
  batchSize: number;
  forwardBatches: number;
}

export interface DatasetBenchResult {
  datasets: { repo: string; format: string; documents: number; tokens: number; bytes: number; seconds: number; tokensPerSecond: number }[];
  forward: { backend: Backend; tokens: number; seconds: number; tokensPerSecond: number };
}

export async function benchDataset(req: DatasetBenchRequest): Promise<DatasetBenchResult> {
  const loaded = await loadGpt2FromHub(req.modelRepo, { hubUrl: req.hubUrl, cache: false });
  const tok = loaded.tokenizer;
  const bos = loaded.cfg.bosTokenId;
  const out: DatasetBenchResult['datasets'] = [];
  let windows: number[][] = [];
  for (const repo of req.datasets) {
    const t0 = performance.now();
    const ds = await resolveDataset({ repo }, { hubUrl: req.hubUrl });
    const packer = new SaeLensPacker({ contextLength: req.contextLength, beginBatchTokenId: bos, sequenceSeparatorTokenId: bos });
    let bytes = 0;
    let documents = 0;
    const got: number[][] = [];
    for await (const item of streamDataset(ds, { onBytes: (n) => (bytes += n) })) {
      if (!('text' in item)) continue;
      documents++;
      for (const w of packer.addTokens(documents, tok.encode(item.text), 0)) got.push(w.ids);
    }
    const seconds = (performance.now() - t0) / 1000;
    const tokens = got.length * req.contextLength;
    out.push({ repo, format: ds.files[0].format, documents, tokens, bytes, seconds, tokensPerSecond: tokens / seconds });
    if (got.length > windows.length) windows = got;
  }
  const model = await createGpt2Model(loaded.weights, loaded.cfg, { backend: req.backend, hooks: [req.hook], logits: 'last' });
  await model.forward(windows.slice(0, req.batchSize)); // warm-up
  const n = Math.min(req.forwardBatches, Math.floor(windows.length / req.batchSize));
  const t0 = performance.now();
  for (let b = 0; b < n; b++) await model.forward(windows.slice(b * req.batchSize, (b + 1) * req.batchSize));
  const seconds = (performance.now() - t0) / 1000;
  const backend = model.status.backend;
  await model.dispose();
  const tokens = n * req.batchSize * req.contextLength;
  return { datasets: out, forward: { backend, tokens, seconds, tokensPerSecond: tokens / seconds } };
}
