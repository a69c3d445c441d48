// In-page half of `npm run bench:harvest`: end-to-end harvest (read → tokenize → forward → store) vs
// model-forward-only over the same windows, and the peak JS heap while harvesting.
import { createGpt2Model } from '../../src/model/gpt2';
import type { Backend } from '../../src/model/runtime';
import { readWindows } from '../../src/store/reader';
import { deleteRun } from '../../src/store/runs';
import { openStore } from '../../src/store/schema';
import { loadGpt2FromHub } from '../../src/model/sources';
import { LabEngine } from '../../src/worker/engine';

export interface HarvestBenchRequest {
  hubUrl: string;
  repo: string;
  backend: Backend;
  corpusUrl: string;
  chars: number; //   corpus size in characters (the sample text repeated/truncated to this)
  hook: string;
  contextLength: number;
  batchSize: number;
}

export interface HarvestBenchResult {
  tokens: number;
  endToEndSeconds: number;
  tokenizeSeconds: number;
  forwardOnlySeconds: number;
  endToEndTokensPerSecond: number;
  forwardOnlyTokensPerSecond: number;
  ratio: number;
  peakHeapMB: number | null;
}

function heapSampler() {
  const mem = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
  let peak = mem?.usedJSHeapSize ?? 0;
  const timer = setInterval(() => {
    if (mem) peak = Math.max(peak, mem.usedJSHeapSize);
  }, 50);
  return { stop: () => (clearInterval(timer), mem ? peak / 1e6 : null) };
}

export async function benchHarvest(req: HarvestBenchRequest): Promise<HarvestBenchResult> {
  const engine = new LabEngine();
  await engine.call('load', { source: { kind: 'hub', repo: req.repo, hubUrl: req.hubUrl }, options: { backend: req.backend, hooks: [], steerAt: null } });
  const sample = await (await fetch(req.corpusUrl)).text();
  let text = '';
  while (text.length < req.chars) text += sample;
  const file = new File([text.slice(0, req.chars)], 'corpus.txt');

  // Warm the harvest model up first, so both timings exclude session creation.
  const options = { hooks: [req.hook], dtype: 'f32' as const, contextLength: req.contextLength, skipBos: false, jsonlField: 'text', csvColumn: 'text', rowsPerShard: 4096 };
  const warm = await engine.call('createRun', { source: { kind: 'files', files: [new File([sample.slice(0, 2000)], 'warm.txt')] }, options });
  await engine.call('harvest', { runId: warm.run.id, batchSize: req.batchSize });

  const heap = heapSampler();
  const t0 = performance.now();
  const { run } = await engine.call('createRun', { source: { kind: 'files', files: [file] }, options });
  const t1 = performance.now();
  const done = await engine.call('harvest', { runId: run.id, batchSize: req.batchSize });
  const t2 = performance.now();
  const peakHeapMB = heap.stop();

  // Forward only: the same windows through a model with the same outputs, nothing read or stored.
  const db = await openStore();
  const windows: number[][] = [];
  for await (const w of readWindows(db, done)) windows.push(w.ids);
  const loaded = await loadGpt2FromHub(req.repo, { hubUrl: req.hubUrl });
  const net = await createGpt2Model(loaded.weights, loaded.cfg, { backend: req.backend, hooks: [req.hook], logits: 'none' });
  await net.forward(windows.slice(0, 1));
  const t3 = performance.now();
  for (let i = 0; i < windows.length; ) {
    const len = windows[i].length;
    const batch: number[][] = [];
    while (i < windows.length && batch.length < req.batchSize && windows[i].length === len) batch.push(windows[i++]);
    await net.forward(batch);
  }
  const forwardOnlySeconds = (performance.now() - t3) / 1000;
  await net.dispose();
  await deleteRun(db, run.id);
  await deleteRun(db, warm.run.id);
  db.close();

  const endToEndSeconds = (t2 - t0) / 1000;
  return {
    tokens: done.committedRows,
    endToEndSeconds,
    tokenizeSeconds: (t1 - t0) / 1000,
    forwardOnlySeconds,
    endToEndTokensPerSecond: done.committedRows / endToEndSeconds,
    forwardOnlyTokensPerSecond: done.committedRows / forwardOnlySeconds,
    ratio: forwardOnlySeconds / endToEndSeconds,
    peakHeapMB,
  };
}
