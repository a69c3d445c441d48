// Held-out numbers for a stored-run training, end to end through the engine (tiny GPT-2 on wasm, IndexedDB from
// fake-indexeddb): a run made with a held-out share trains on none of its held-out rows (row provenance: shard row →
// window → the window's documents → isHeldOutDocument), its held-out figures equal an independent computation
// from the stored held-out rows and the saved SAE's weights, and a run made before the split still trains.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHeldOutDocument } from '../../src/corpus/held-out';
import { saeFaithfulness } from '../../src/analysis/evals';
import type { HeldOutFigures } from '../../src/analysis/held-out-evals';
import { createGpt2Model } from '../../src/model/gpt2';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { loadSaeLens } from '../../src/sae/saelens';
import { RunReader } from '../../src/store/reader';
import { type ShardRows, type StoreDb, type WindowChunk, openStore } from '../../src/store/schema';
import { LabEngine } from '../../src/worker/engine';
import { epochs } from '../../src/worker/sae-jobs';
import type { RunOptions, TrainOptions } from '../../src/worker/protocol';
import { TINY_DIR } from '../helpers/checkpoints';
import { type HubServer, startHubServer } from '../helpers/hub-server';

const HOOK = 'blocks.1.hook_resid_post';
const BOS = 8191; // the tiny model's BOS = end-of-text
const SPLIT = { share: 0.3, seed: 1 };
let hub: HubServer;
let engine: LabEngine;
let db: StoreDb;

/** 60 documents of about 20–40 words each, from the sample corpus. */
function corpus(): File {
  const words = readFileSync(join(TINY_DIR, '..', '..', 'samples', 'moby-dick.txt'), 'utf8').split(/\s+/).filter(Boolean);
  const lines = Array.from({ length: 60 }, (_, d) => JSON.stringify({ text: words.slice(d * 40, d * 40 + 20 + (d % 21)).join(' ') }));
  return new File([lines.join('\n')], 'docs.jsonl');
}

const runOptions = (extra: Partial<RunOptions>): RunOptions => ({ hooks: [HOOK], dtype: 'f32', contextLength: 16, skipBos: true, jsonlField: 'text', csvColumn: 'text', rowsPerShard: 64, ...extra });
const trainOptions = (runId: string): TrainOptions => ({ runId, hook: HOOK, expansion: 2, architecture: 'topk', k: 8, steps: 40, batchSize: 32, lr: 2e-3, seed: 3, device: 'cpu', checkpointEvery: 10 });

async function makeRun(extra: Partial<RunOptions>) {
  const { run } = await engine.call('createRun', { source: { kind: 'files', files: [corpus()] }, options: runOptions(extra) });
  return engine.call('harvest', { runId: run.id });
}

/** Every document of global window `w` (BOS positions are −1), read straight from its chunk. */
async function windowDocs(runId: string, windowsPerChunk: number, w: number): Promise<number[]> {
  const chunk = (await db.get('windows', [runId, Math.floor(w / windowsPerChunk)])) as WindowChunk;
  const i = w % windowsPerChunk;
  const start = chunk.lengths.slice(0, i).reduce((a, b) => a + b, 0);
  return Array.from(chunk.doc.subarray(start, start + chunk.lengths[i])).filter((d) => d >= 0);
}

/** The window of each global row, from the shards' row records. */
async function rowWindows(runId: string, shards: number, perShard: number): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (let s = 0; s < shards; s++) {
    const rec = (await db.get('shardRows', [runId, s])) as ShardRows;
    rec.window.forEach((w, r) => out.set(s * perShard + r, w));
  }
  return out;
}

/** A TopK SAE written out by hand: z = TopK(ReLU((x − b_dec)·W_enc + b_enc)), x̂ = z·W_dec + b_dec. */
function reference(x: Float32Array, n: number, w: { W_enc: Float32Array; b_enc: Float32Array; W_dec: Float32Array; b_dec: Float32Array }, d: number, m: number, k: number) {
  let resid = 0;
  let active = 0;
  const fired = new Uint8Array(m);
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) mean[c] += x[r * d + c] / n;
  let total = 0;
  for (let r = 0; r < n; r++) {
    const pre = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      let s = w.b_enc[j];
      for (let c = 0; c < d; c++) s += (x[r * d + c] - w.b_dec[c]) * w.W_enc[c * m + j];
      pre[j] = s;
    }
    const top = Array.from(pre.keys()).sort((a, b) => pre[b] - pre[a] || a - b).slice(0, k).filter((j) => pre[j] > 0);
    for (let c = 0; c < d; c++) {
      let xh = w.b_dec[c];
      for (const j of top) xh += pre[j] * w.W_dec[j * d + c];
      resid += (x[r * d + c] - xh) ** 2;
      total += (x[r * d + c] - mean[c]) ** 2;
    }
    active += top.length;
    for (const j of top) fired[j] = 1;
  }
  return { fvu: resid / total, l0: active / n, deadFraction: fired.reduce((a, f) => a + (f ? 0 : 1), 0) / m };
}

beforeAll(async () => {
  hub = await startHubServer({ 'sse/tiny-gpt2': TINY_DIR });
  engine = new LabEngine();
  await engine.call('load', { source: { kind: 'url', id: 'tiny-gpt2', baseUrl: `${hub.url}/sse/tiny-gpt2/resolve/main/` }, options: { backend: 'wasm', hooks: [], steerAt: null } });
  db = await openStore();
}, 120_000);
afterAll(async () => {
  await hub?.close();
});

describe('held-out share of a stored run', () => {
  it('never trains on a held-out row, and its held-out figures equal an independent computation', async () => {
    const run = await makeRun({ heldOutShare: SPLIT.share, heldOutSeed: SPLIT.seed });
    expect(run.status).toBe('done');
    expect(run.heldOut).toEqual(SPLIT);
    expect(run.heldOutWindows).toBeGreaterThan(2);
    expect(run.heldOutRows).toBeGreaterThan(0);

    // Provenance: every row a training batch yields comes from a window of training documents only.
    const reader = await RunReader.open(db, run.id);
    const windowOf = await rowWindows(run.id, run.committedShards, run.rowsPerShard);
    const seen = new Set<number>();
    for await (const b of reader.batches(HOOK, 32, { seed: 5, mixShards: 2 }, 'training')) {
      for (const row of b.rowIndex) {
        seen.add(row);
        for (const doc of await windowDocs(run.id, run.windowsPerChunk, windowOf.get(row)!)) expect(isHeldOutDocument(doc, SPLIT)).toBe(false);
      }
    }
    expect(seen.size).toBe(run.committedRows - run.heldOutRows!);
    const held = new Set<number>();
    for await (const b of reader.batches(HOOK, 32, undefined, 'heldOut')) {
      for (const row of b.rowIndex) {
        held.add(row);
        const docs = await windowDocs(run.id, run.windowsPerChunk, windowOf.get(row)!);
        expect(docs.length).toBeGreaterThan(0);
        for (const doc of docs) expect(isHeldOutDocument(doc, SPLIT)).toBe(true);
      }
    }
    expect(held.size).toBe(run.heldOutRows);

    // What the trainer steps on (two epochs' worth): never a held-out row's activations. (A causal model gives the
    // same activations to the same tokens at the start of two windows, so only held-out rows unlike any training
    // row tell the two apart: most of them.)
    const d = reader.dimOf(HOOK);
    const key = (v: Float32Array) => Array.from(v, (f) => f.toFixed(6)).join(',');
    const trainKeys = new Set<string>();
    for (const row of seen) trainKeys.add(key(await reader.rowRange(HOOK, row, 1)));
    const heldKeys = new Set<string>();
    for (const row of held) heldKeys.add(key(await reader.rowRange(HOOK, row, 1)));
    for (const k of trainKeys) heldKeys.delete(k);
    expect(heldKeys.size).toBeGreaterThan(held.size / 2);
    let stepped = 0;
    for await (const x of epochs(reader, HOOK, 32, 3, 0)) {
      for (let r = 0; r < x.length / d; r++) expect(heldKeys.has(key(x.subarray(r * d, (r + 1) * d)))).toBe(false);
      if ((stepped += x.length / d) >= 2 * seen.size) break;
    }
    expect(stepped).toBeGreaterThanOrEqual(2 * seen.size);

    const figures: HeldOutFigures[] = [];
    const summary = await engine.call('trainSae', trainOptions(run.id), (p) => {
      if (p.phase === 'heldout') figures.push(p.detail);
    });
    // At each checkpoint (10, 20, 30) and at the end; CE and KL at the 4th evaluation (the end).
    expect(figures.map((f) => f.step)).toEqual([10, 20, 30, 40]);
    expect(figures.map((f) => f.ce !== null)).toEqual([false, false, false, true]);
    expect(summary.heldOut).toEqual(figures.at(-1));
    expect(summary.heldOutNote).toMatch(/held-out figures every 10 steps/);

    // Independent: the held-out windows found from their documents, their rows from the shards, the SAE from its files.
    const heldWindows: number[] = [];
    for (let w = 0; w < run.windows; w++) {
      const docs = await windowDocs(run.id, run.windowsPerChunk, w);
      if (docs.length && isHeldOutDocument(docs[0], SPLIT)) heldWindows.push(w);
    }
    const pick = heldWindows.slice(0, 32);
    const rowsByWindow = [...windowOf.entries()].filter(([, w]) => pick.includes(w)).map(([row]) => row).sort((a, b) => a - b).slice(0, 2048);
    const ids = await reader.tokenIds(rowsByWindow);
    const kept = rowsByWindow.filter((_, i) => ids[i] !== BOS);
    const x = new Float32Array(kept.length * d);
    for (let i = 0; i < kept.length; i++) x.set(await reader.rowRange(HOOK, kept[i], 1), i * d);
    const files = await engine.call('saeFiles', { trainingId: summary.trainingId });
    const sae = loadSaeLens({ cfgJson: JSON.parse(files['cfg.json'] as string), weights: files['sae_weights.safetensors'] as Uint8Array });
    const ref = reference(x, kept.length, sae.weights, d, sae.cfg.d_sae, 8);
    const final = summary.heldOut!;
    expect(final.rows).toBe(kept.length);
    expect(final.windows).toBe(pick.length);
    expect(final.fvu).toBeGreaterThan(0);
    expect(Math.abs(final.fvu - ref.fvu) / ref.fvu).toBeLessThan(1e-4);
    expect(final.l0).toBeCloseTo(ref.l0, 6);
    expect(final.deadFraction).toBeCloseTo(ref.deadFraction, 6);

    // CE and KL: the faithfulness eval run directly on the first 8 held-out windows, found from their documents.
    const { weights, cfg } = loadGpt2FromDir(TINY_DIR);
    const model = await createGpt2Model(weights, cfg, { backend: 'wasm', steerAt: HOOK, hooks: [HOOK], logits: 'all', modelId: 'tiny-gpt2' });
    const windows: number[][] = [];
    for (const w of heldWindows.slice(0, 8)) {
      const chunk = (await db.get('windows', [run.id, Math.floor(w / run.windowsPerChunk)])) as WindowChunk;
      const i = w % run.windowsPerChunk;
      const start = chunk.lengths.slice(0, i).reduce((a, b) => a + b, 0);
      windows.push(Array.from(chunk.ids.subarray(start, start + chunk.lengths[i])));
    }
    const direct = await saeFaithfulness(model, sae, windows);
    await model.dispose();
    expect(final.ce!.windows).toBe(windows.length);
    expect(final.ce!.ceLossRecovered).toBeCloseTo(direct.ceLossRecovered, 5);
    expect(final.ce!.klCleanSae).toBeCloseTo(direct.klCleanSae, 6);
    expect(Number.isFinite(final.ce!.ceLossRecovered)).toBe(true);
  }, 240_000);

  it('a run made before held-out splits still trains, on all its rows, and says it has no held-out figures', async () => {
    const run = await makeRun({});
    expect(run.heldOut).toBeUndefined();
    const reader = await RunReader.open(db, run.id);
    const all: number[] = [];
    const training: number[] = [];
    for await (const b of reader.batches(HOOK, 32, { seed: 2 }, 'all')) all.push(...b.rowIndex);
    for await (const b of reader.batches(HOOK, 32, { seed: 2 }, 'training')) training.push(...b.rowIndex);
    expect(training).toEqual(all);
    expect(training.length).toBe(run.committedRows);
    const figures: HeldOutFigures[] = [];
    const summary = await engine.call('trainSae', { ...trainOptions(run.id), steps: 20 }, (p) => {
      if (p.phase === 'heldout') figures.push(p.detail);
    });
    expect(summary.steps).toBe(20);
    expect(summary.finalFvu).toBeGreaterThan(0);
    expect(summary.heldOut).toBeNull();
    expect(figures).toEqual([]);
    expect(summary.heldOutNote).toMatch(/no held-out share/);
  }, 240_000);

  it('refuses a share out of range, and a share that holds out every document', async () => {
    await expect(makeRun({ heldOutShare: 0.9 })).rejects.toThrow(/between 0 and 0.5/);
    const one = new File([JSON.stringify({ text: 'Call me Ishmael.' })], 'one.jsonl');
    // A seed that holds out document 0 at share 0.5: a one-document corpus would leave nothing to train on.
    const seed = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].find((s) => isHeldOutDocument(0, { share: 0.5, seed: s }))!;
    await expect(engine.call('createRun', { source: { kind: 'files', files: [one] }, options: runOptions({ heldOutShare: 0.5, heldOutSeed: seed }) })).rejects.toThrow(/fell in the held-out share/);
    expect((await engine.call('listRuns', {})).every((r) => r.run.name !== 'one.jsonl')).toBe(true);
  }, 60_000);
});
