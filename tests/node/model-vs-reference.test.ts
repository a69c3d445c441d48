// The ONNX GPT-2 (built by src/, run on onnxruntime-web's wasm backend in Node) against the independent
// CPU reference: logits and every hook within 1e-4 relative, on the trained tiny model and on a random
// checkpoint of GPT-2 small's exact shape; steering adds exactly v at its hook.
import { beforeAll, describe, expect, it } from 'vitest';
import { hookNames } from '../../src/core/hooks';
import { SAELENS_DEFAULTS } from '../../src/core/tl-settings';
import { type Gpt2Model, createGpt2Model } from '../../src/model/gpt2';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { type RefCheckpoint, TINY_DIR, batchRow, gpt2SmallCheckpoint, pseudoIds, pseudoVector, readCheckpoint, reference } from '../helpers/checkpoints';
import { assertClose } from '../reference/compare';

const REL = 1e-4;
/** The hooks the raw reference (gpt2-reference.ts) computes; ln*, attention internals and ln_final.hook_scale are checked against the TransformerLens reference (tl-processing.test.ts). */
const rawHooks = (nLayer: number) => hookNames(nLayer).filter((h) => !/\.(ln1|ln2|attn)\.|^ln_final\.hook_scale$/.test(h));

describe('tiny-gpt2 on wasm vs the CPU reference', () => {
  let ckpt: RefCheckpoint;
  let model: Gpt2Model;
  let tok: ReturnType<typeof loadGpt2FromDir>['tokenizer'];
  beforeAll(async () => {
    ckpt = readCheckpoint(TINY_DIR);
    const loaded = loadGpt2FromDir(TINY_DIR);
    tok = loaded.tokenizer;
    model = await createGpt2Model(loaded.weights, loaded.cfg, { backend: 'wasm', hooks: hookNames(loaded.cfg.nLayer) });
  });

  it('matches logits and every hook for a batch of two different sequences', async () => {
    const a = [8191, ...tok.encode('Call me Ishmael. Some years ago—never mind how long')].slice(0, 12);
    const b = pseudoIds(12, 8192, 7);
    const out = await model.forward([a, b]);
    expect(model.status.backend).toBe('wasm');
    expect(Object.keys(out.hooks).sort()).toEqual(hookNames(4).sort());
    [a, b].forEach((ids, row) => {
      const ref = reference(ckpt, ids);
      assertClose(`row ${row} logits`, batchRow(out.logits!.data, 2, row), ref.logits, REL);
      for (const h of rawHooks(4)) assertClose(`row ${row} ${h}`, batchRow(out.hooks[h].data, 2, row), ref.hooks[h], REL);
    });
  });
});

describe('steering on wasm', () => {
  let ckpt: RefCheckpoint;
  beforeAll(() => {
    ckpt = readCheckpoint(TINY_DIR);
  });

  for (const [hook, perPosition] of [
    ['blocks.1.hook_resid_mid', true],
    ['blocks.2.mlp.hook_post', false],
    ['blocks.3.hook_resid_pre', false],
  ] as const) {
    it(`adds exactly v at ${hook} (${perPosition ? 'per position' : 'broadcast'}) and propagates downstream`, async () => {
      const loaded = loadGpt2FromDir(TINY_DIR);
      const hooks = rawHooks(loaded.cfg.nLayer);
      const model = await createGpt2Model(loaded.weights, loaded.cfg, { backend: 'wasm', hooks, steerAt: hook });
      const ids = pseudoIds(9, 8192, 3);
      const dim = hook.includes('mlp.hook_post') ? loaded.cfg.nInner : loaded.cfg.nEmbd;
      const v = pseudoVector(perPosition ? ids.length * dim : dim, 11, 2);
      const clean = await model.forward([ids]);
      const steered = await model.forward([ids], { steer: { data: v, shape: [1, perPosition ? ids.length : 1, dim] } });
      // The hook's own output moves by exactly v …
      const delta = steered.hooks[hook].data.map((x, i) => x - clean.hooks[hook].data[i]);
      const expected = perPosition ? v : Float32Array.from({ length: ids.length * dim }, (_, i) => v[i % dim]);
      assertClose(`${hook} delta`, delta, expected, 1e-5);
      // … earlier hooks do not move at all, and everything matches the steered reference.
      const ref = reference(ckpt, ids, { hook, vector: v });
      const at = hooks.indexOf(hook);
      for (const h of hooks.slice(0, at)) expect(steered.hooks[h].data).toEqual(clean.hooks[h].data);
      for (const h of hooks) assertClose(`steered ${h}`, steered.hooks[h].data, ref.hooks[h], REL);
      assertClose('steered logits', steered.logits!.data, ref.logits, REL);
      await model.dispose();
    });
  }
});

describe('steering at attn.hook_z on wasm', () => {
  it('moves hook_z by exactly v and hook_attn_out by v·W_O, leaving earlier hooks alone', async () => {
    const loaded = loadGpt2FromDir(TINY_DIR);
    const d = loaded.cfg.nEmbd;
    const hook = 'blocks.2.attn.hook_z';
    const hooks = ['blocks.2.attn.hook_v', 'blocks.2.attn.hook_pattern', hook, 'blocks.2.hook_attn_out'];
    const model = await createGpt2Model(loaded.weights, loaded.cfg, { backend: 'wasm', hooks, steerAt: hook, tl: SAELENS_DEFAULTS });
    expect(model.steerDim).toBe(d); // n_head · d_head, flattened head-major
    const ids = pseudoIds(7, 8192, 9);
    const v = pseudoVector(d, 4, 0.5);
    const clean = await model.forward([ids]);
    const steered = await model.forward([ids], { steer: { data: v, shape: [1, 1, d] } });
    await model.dispose();
    expect(steered.hooks[hook].shape).toEqual([1, ids.length, loaded.cfg.nHead, d / loaded.cfg.nHead]);
    const dz = steered.hooks[hook].data.map((x, i) => x - clean.hooks[hook].data[i]);
    assertClose('hook_z delta', dz, Float32Array.from({ length: ids.length * d }, (_, i) => v[i % d]), 1e-5);
    for (const h of ['blocks.2.attn.hook_v', 'blocks.2.attn.hook_pattern']) expect(steered.hooks[h].data).toEqual(clean.hooks[h].data);
    // W_O = c_proj.weight [d, d] (in, out), read with the independent reader.
    const wO = readCheckpoint(TINY_DIR).weights.get('h.2.attn.c_proj.weight')!.data;
    const vWo = new Float32Array(d);
    for (let o = 0; o < d; o++) for (let j = 0; j < d; j++) vWo[o] += v[j] * wO[j * d + o];
    const dOut = steered.hooks['blocks.2.hook_attn_out'].data.map((x, i) => x - clean.hooks['blocks.2.hook_attn_out'].data[i]);
    assertClose('attn_out delta', dOut, Float32Array.from({ length: ids.length * d }, (_, i) => vWo[i % d]), 1e-4);
  });
});

describe('GPT-2-small-shaped random checkpoint on wasm vs the CPU reference', () => {
  it('matches logits and every hook (12 layers, 768, 50257 vocab, 1024 positions)', async () => {
    const dir = gpt2SmallCheckpoint();
    const loaded = loadGpt2FromDir(dir);
    expect(loaded.cfg).toMatchObject({ nLayer: 12, nEmbd: 768, vocabSize: 50257, nPositions: 1024 });
    const hooks = rawHooks(12);
    const model = await createGpt2Model(loaded.weights, loaded.cfg, { backend: 'wasm', hooks });
    const ids = pseudoIds(10, 50257, 5);
    const out = await model.forward([ids]);
    await model.dispose();
    const ref = reference(readCheckpoint(dir), ids);
    assertClose('logits', out.logits!.data, ref.logits, REL);
    for (const h of hooks) assertClose(h, out.hooks[h].data, ref.hooks[h], REL);
  });
});
