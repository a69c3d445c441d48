// Generation (src/model/generate.ts) on the tiny model, onnxruntime-web wasm: sampling rules, KV-cache decoding
// equal to recomputation at every step, seeded reproducibility, end-of-text, and steering strength 0 equal to the
// unsteered model exactly (same tokens, same logits).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Gpt2Config } from '../../src/core/config';
import type { Gpt2Weights } from '../../src/core/weights';
import { type GenerateOptions, type GeneratedToken, generate, sampleToken } from '../../src/model/generate';
import { type Gpt2Model, createGpt2Model } from '../../src/model/gpt2';
import { mulberry32 } from '../../src/core/random';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { TINY_DIR, pseudoIds, pseudoVector } from '../helpers/checkpoints';
import { assertClose } from '../reference/compare';

const HOOK = 'blocks.1.hook_resid_post';
let cfg: Gpt2Config;
let weights: Gpt2Weights;
let cached: Gpt2Model;
beforeAll(async () => {
  ({ cfg, weights } = loadGpt2FromDir(TINY_DIR));
  cached = await createGpt2Model(weights, cfg, { backend: 'wasm', kvCache: true, logits: 'last' });
});

async function run(model: Gpt2Model, prompt: number[], o: Partial<GenerateOptions>): Promise<GeneratedToken[]> {
  const out: GeneratedToken[] = [];
  for await (const t of generate(model, prompt, { temperature: 0.9, topK: 40, topP: 0.95, seed: 1, maxTokens: 10, eosTokenId: null, ...o })) out.push(t);
  return out;
}

describe('sampleToken', () => {
  it('is greedy at temperature 0 and with top-k 1; follows softmax(logits / T) otherwise; top-p cuts the tail', () => {
    const logits = new Float32Array([0.5, 2, 1, -1, 2]);
    const rand = mulberry32(3);
    expect(sampleToken(logits, { temperature: 0, topK: 0, topP: 1, seed: 0 }, rand)).toBe(1); // tie → lower id
    expect(sampleToken(logits, { temperature: 5, topK: 1, topP: 1, seed: 0 }, rand)).toBe(1);
    const n = 40_000;
    const counts = new Array(5).fill(0);
    for (let i = 0; i < n; i++) counts[sampleToken(logits, { temperature: 1, topK: 0, topP: 1, seed: 0 }, rand)]++;
    const z = Array.from(logits).reduce((a, l) => a + Math.exp(l), 0);
    counts.forEach((c, i) => expect(Math.abs(c / n - Math.exp(logits[i]) / z)).toBeLessThan(0.01));
    // p(1) = p(4) ≈ 0.38 each: top-p 0.5 keeps just those two.
    for (let i = 0; i < 200; i++) expect([1, 4]).toContain(sampleToken(logits, { temperature: 1, topK: 0, topP: 0.5, seed: 0 }, rand));
  });
});

describe('generate', () => {
  const prompt = [50256 % 8192, ...pseudoIds(6, 8191, 5)];

  it('with the KV cache equals recomputing the whole sequence, step by step, and is reproducible from its seed', async () => {
    const a = await run(cached, prompt, { seed: 7 });
    const b = await run(cached, prompt, { seed: 7, noCache: true });
    expect(a.map((t) => t.id)).toEqual(b.map((t) => t.id));
    a.forEach((t, i) => assertClose(`step ${i}`, t.logits, b[i].logits, 1e-4));
    expect((await run(cached, prompt, { seed: 7 })).map((t) => t.id)).toEqual(a.map((t) => t.id));
    expect((await run(cached, prompt, { seed: 8 })).map((t) => t.id)).not.toEqual(a.map((t) => t.id));
  });

  it('stops on end-of-text', async () => {
    const greedy = await run(cached, prompt, { temperature: 0, maxTokens: 3 });
    const stopped = await run(cached, prompt, { temperature: 0, eosTokenId: greedy[1].id });
    expect(stopped.map((t) => t.id)).toEqual(greedy.slice(0, 2).map((t) => t.id));
  });

  it('steering with strength 0 equals the unsteered model exactly: same tokens, same logits', async () => {
    const steered = await createGpt2Model(weights, cfg, { backend: 'wasm', kvCache: true, logits: 'last', steerAt: HOOK });
    const zero = { data: new Float32Array(cfg.nEmbd), shape: [1, 1, cfg.nEmbd] as [number, number, number] };
    const plain = await run(cached, prompt, { seed: 3 });
    const withZero = await run(steered, prompt, { seed: 3, steer: zero });
    expect(withZero.map((t) => t.id)).toEqual(plain.map((t) => t.id));
    withZero.forEach((t, i) => expect(Array.from(t.logits)).toEqual(Array.from(plain[i].logits)));
    // (A constant vector would vanish in the next layer norm's centring: push along a random direction.)
    const push = { data: pseudoVector(cfg.nEmbd, 9, 20), shape: [1, 1, cfg.nEmbd] as [number, number, number] };
    const moved = await run(steered, prompt, { seed: 3, steer: push });
    expect(moved.map((t) => t.id)).not.toEqual(plain.map((t) => t.id));
    await steered.dispose();
  });
});
