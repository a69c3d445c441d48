// KV-cache decoding on onnxruntime-web's wasm backend: after a prompt prefill, every greedy step's
// logits (and hooks, which then cover only the new positions) equal a full recomputation of the whole
// sequence without a cache, within 1e-4 relative. Also batch 2, a multi-token step on top of a cache,
// and a steering vector applied in both.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Gpt2Config } from '../../src/core/config';
import type { Gpt2Weights } from '../../src/core/weights';
import { type Gpt2Model, type KvCache, type SteerSpec, createGpt2Model } from '../../src/model/gpt2';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { TINY_DIR, batchRow, pseudoIds, pseudoVector } from '../helpers/checkpoints';
import { assertClose } from '../reference/compare';

const REL = 1e-4;
const HOOK = 'blocks.2.hook_resid_post';

let cfg: Gpt2Config;
let weights: Gpt2Weights;
beforeAll(() => {
  ({ cfg, weights } = loadGpt2FromDir(TINY_DIR));
});

/** Row b's last `n` positions of a [B, T, X] tensor, flattened. */
function lastPositions(data: Float32Array, batch: number, b: number, seq: number, n: number): Float32Array {
  const row = batchRow(data, batch, b);
  const width = row.length / seq;
  return row.subarray((seq - n) * width);
}

function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** Runs `step` on the cached model and checks its new positions against the full model on `seqs`. */
async function checkStep(cached: Gpt2Model, full: Gpt2Model, seqs: number[][], step: number[][], past: KvCache | null, label: string, steer?: SteerSpec) {
  const B = seqs.length;
  const T = step[0].length;
  const total = seqs[0].length;
  const got = await cached.forwardWithCache(step, past, { steer });
  const ref = await full.forward(seqs, { steer });
  expect(got.present.length).toBe(total);
  expect(got.present.batch).toBe(B);
  expect(got.logits!.shape).toEqual([B, T, cfg.vocabSize]);
  expect(got.hooks[HOOK].shape).toEqual([B, T, cfg.nEmbd]);
  for (let b = 0; b < B; b++) {
    assertClose(`${label} row ${b} logits`, batchRow(got.logits!.data, B, b), lastPositions(ref.logits!.data, B, b, total, T), REL);
    assertClose(`${label} row ${b} ${HOOK}`, batchRow(got.hooks[HOOK].data, B, b), lastPositions(ref.hooks[HOOK].data, B, b, total, T), REL);
  }
  return got;
}

/** Prefill `prompts`, then `steps` greedy single-token steps, each checked against full recomputation. */
async function greedyDecode(cached: Gpt2Model, full: Gpt2Model, prompts: number[][], steps: number, steer?: SteerSpec) {
  const seqs = prompts.map((p) => [...p]);
  let out = await checkStep(cached, full, seqs, prompts, null, 'prefill', steer);
  for (let s = 0; s < steps; s++) {
    const B = seqs.length;
    const next = seqs.map((_, b) => {
      const V = cfg.vocabSize;
      const logits = batchRow(out.logits!.data, B, b);
      return argmax(logits.subarray(logits.length - V));
    });
    next.forEach((tok, b) => seqs[b].push(tok));
    const past = out.present;
    out = await checkStep(cached, full, seqs, next.map((t) => [t]), past, `step ${s + 1}`, steer);
    past.dispose();
  }
  out.present.dispose();
  return seqs;
}

describe('KV-cache decoding on wasm vs full recomputation (tiny-gpt2)', () => {
  let cached: Gpt2Model;
  let full: Gpt2Model;
  beforeAll(async () => {
    cached = await createGpt2Model(weights, cfg, { backend: 'wasm', hooks: [HOOK], kvCache: true });
    full = await createGpt2Model(weights, cfg, { backend: 'wasm', hooks: [HOOK] });
    expect(cached.kvCache).toBe(true);
    expect(full.kvCache).toBe(false);
  });

  it('prefill 7 tokens, then 12 greedy steps: every step matches', async () => {
    const seqs = await greedyDecode(cached, full, [pseudoIds(7, cfg.vocabSize, 21)], 12);
    expect(seqs[0]).toHaveLength(19);
  });

  it('batch of two different prompts of equal length', async () => {
    const seqs = await greedyDecode(cached, full, [pseudoIds(7, cfg.vocabSize, 22), pseudoIds(7, cfg.vocabSize, 23)], 12);
    expect(seqs.map((s) => s.length)).toEqual([19, 19]);
  });

  it('a multi-token step on top of a cache sees every cached position and the new ones causally', async () => {
    const ids = pseudoIds(12, cfg.vocabSize, 24);
    const first = await checkStep(cached, full, [ids.slice(0, 5)], [ids.slice(0, 5)], null, 'prefill 5');
    const second = await checkStep(cached, full, [ids.slice(0, 9)], [ids.slice(5, 9)], first.present, '+4');
    const third = await checkStep(cached, full, [ids], [ids.slice(9)], second.present, '+3');
    for (const r of [first, second, third]) r.present.dispose();
  });

  it('the plain forward of a cached model is the full forward', async () => {
    const ids = [pseudoIds(6, cfg.vocabSize, 25)];
    const a = await cached.forward(ids);
    const b = await full.forward(ids);
    assertClose('plain forward logits', a.logits!.data, b.logits!.data, REL);
    expect(Object.keys(a.hooks)).toEqual([HOOK]);
  });

  it('rejects a cache of another batch size and a disposed cache', async () => {
    const r = await cached.forwardWithCache([[1, 2]], null);
    await expect(cached.forwardWithCache([[3], [4]], r.present)).rejects.toThrow(/holds 1 sequences but 2/);
    r.present.dispose();
    await expect(cached.forwardWithCache([[3]], r.present)).rejects.toThrow(/disposed/);
    await expect(full.forwardWithCache([[3]], null)).rejects.toThrow(/without a KV cache/);
  });
});

describe('KV-cache decoding with a steering vector', () => {
  it('cached and full recomputation with the same steer at blocks.1.hook_resid_mid match', async () => {
    const steerAt = 'blocks.1.hook_resid_mid';
    const cached = await createGpt2Model(weights, cfg, { backend: 'wasm', hooks: [HOOK], kvCache: true, steerAt, logits: 'all' });
    const full = await createGpt2Model(weights, cfg, { backend: 'wasm', hooks: [HOOK], steerAt });
    const steer: SteerSpec = { data: pseudoVector(cfg.nEmbd, 31, 4), shape: [1, 1, cfg.nEmbd] };
    await greedyDecode(cached, full, [pseudoIds(7, cfg.vocabSize, 26), pseudoIds(7, cfg.vocabSize, 27)], 6, steer);
    // the steer really changes the outcome (so the check above is not vacuous)
    const ids = [pseudoIds(7, cfg.vocabSize, 26)];
    const plain = await cached.forwardWithCache(ids, null);
    const steered = await cached.forwardWithCache(ids, null, { steer });
    const diff = plain.logits!.data.reduce((m, x, i) => Math.max(m, Math.abs(x - steered.logits!.data[i])), 0);
    expect(diff).toBeGreaterThan(1e-2);
    await cached.dispose();
    await full.dispose();
  });

  it('logits_last mode: the cached model returns [B, V] of the newest position', async () => {
    const cached = await createGpt2Model(weights, cfg, { backend: 'wasm', kvCache: true, logits: 'last' });
    const full = await createGpt2Model(weights, cfg, { backend: 'wasm', logits: 'last' });
    const ids = pseudoIds(8, cfg.vocabSize, 28);
    const pre = await cached.forwardWithCache([ids.slice(0, 6)], null);
    const step = await cached.forwardWithCache([ids.slice(6)], pre.present);
    expect(step.logitsLast!.shape).toEqual([1, cfg.vocabSize]);
    assertClose('logits_last', step.logitsLast!.data, (await full.forward([ids])).logitsLast!.data, REL);
    await cached.dispose();
    await full.dispose();
  });
});
