// One head of a head hook, SAELens' hook_head_index: the lab's one-head key blocks.L.attn.hook_z[h] (src/core/hooks.ts).
// Checked against the independent TransformerLens reference (tests/reference/tl-reference.ts: hook_z [T, head, d_head],
// sliced at head h), the float64 SAELens reference SAE (tests/reference/sae-reference.ts), and SAELens' own semantics:
// ActivationsStore / evals read cache[hook][:, :, h] (d_in = d_head) and splice or zero-ablate only that head's slice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HookNameError } from '../../src/core/errors';
import { headHookKey, hookDim, hookShape, isHeadHook, isRowHook, parseHook, splitHeadKey } from '../../src/core/hooks';
import { HF_RAW, SAELENS_DEFAULTS, tlKwargs } from '../../src/core/tl-settings';
import { attributionModelOptions } from '../../src/analysis/attribution/attribute';
import { AttributionHookError } from '../../src/analysis/attribution/decompose';
import { saeFaithfulness } from '../../src/analysis/evals';
import { type Gpt2Model, createGpt2Model } from '../../src/model/gpt2';
import { steerFor } from '../../src/model/steering';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { type SaeConfig, SaeConfigError, type SaeWeights, encode } from '../../src/sae/sae';
import { checkSaeFitsModel, loadSaeLens, parseSaeLensCfg, saveSaeLens } from '../../src/sae/saelens';
import { adaptSaeToSettings } from '../../src/sae/tl-adapt';
import { cpuTrainStep, initSaeParams } from '../../src/sae/train/cpu-step';
import { toSaeLens } from '../../src/sae/train/trainer';
import { initTrainState, trainConfig } from '../../src/sae/train/types';
import { TINY_DIR, pseudoIds, pseudoVector, readCheckpoint } from '../helpers/checkpoints';
import { assertClose } from '../reference/compare';
import { refEncode, refSaeOf } from '../reference/sae-reference';
import { tlForward, tlState } from '../reference/tl-reference';

const loaded = loadGpt2FromDir(TINY_DIR);
const cfg = loaded.cfg; // 4 layers, d 256, 4 heads of 64
const HD = 64;
const TL_OPTS = { fold_ln: true, center_writing_weights: true, center_unembed: true, fold_value_biases: true }; // SAELens' defaults
const ids = [8191, ...loaded.tokenizer.encode('Call me Ishmael. Some years ago—never mind how long precisely')].slice(0, 14);

describe('one-head keys', () => {
  it('format, parse and size: blocks.L.attn.hook_z[h] is head h of the hook, [pos, d_head]', () => {
    const key = headHookKey('blocks.2.attn.hook_z', 3);
    expect(key).toBe('blocks.2.attn.hook_z[3]');
    expect(splitHeadKey(key)).toEqual({ hook: 'blocks.2.attn.hook_z', head: 3 });
    expect(splitHeadKey('blocks.2.attn.hook_z')).toEqual({ hook: 'blocks.2.attn.hook_z', head: null });
    expect(parseHook(key, cfg)).toEqual({ name: key, layer: 2, point: 'attn.hook_z', head: 3 });
    expect(parseHook('blocks.2.attn.hook_z', cfg).head).toBeNull();
    for (const p of ['attn.hook_q', 'attn.hook_k', 'attn.hook_v', 'attn.hook_z']) {
      const k = headHookKey(`blocks.0.${p}`, 1);
      expect(splitHeadKey(k)).toEqual({ hook: `blocks.0.${p}`, head: 1 });
      expect(hookDim(k, cfg)).toBe(HD);
      expect(hookShape(k, cfg, 5)).toEqual([5, HD]);
      expect(isHeadHook(k)).toBe(false); // [pos, d_head], no head axis
      expect(isRowHook(k)).toBe(true);
    }
    expect(hookDim('blocks.2.attn.hook_z', cfg)).toBe(4 * HD); // the whole hook stays flattened head-major
  });

  it('refuse a head past the model, a hook with no head axis, and a key of a key', () => {
    expect(() => parseHook('blocks.2.attn.hook_z[4]', cfg)).toThrow(HookNameError);
    expect(() => parseHook('blocks.2.attn.hook_z[4]', cfg)).toThrow(/heads 0…3/);
    expect(() => parseHook('blocks.2.hook_resid_post[0]', cfg)).toThrow(/has no head axis/);
    expect(() => parseHook('blocks.9.attn.hook_z[0]', cfg)).toThrow(/layers 0…3/);
    expect(() => headHookKey('blocks.2.hook_resid_post', 0)).toThrow(HookNameError);
    expect(() => headHookKey('blocks.2.attn.hook_z[1]', 0)).toThrow(HookNameError);
    expect(() => headHookKey('blocks.2.attn.hook_z', -1)).toThrow(HookNameError);
  });
});

describe('the model at one head (wasm)', () => {
  it("exposes head h of hook_q/k/v/z as the TransformerLens reference's hook[:, h, :]", async () => {
    const keys = ['blocks.1.attn.hook_z[2]', 'blocks.1.attn.hook_z[0]', 'blocks.3.attn.hook_q[1]', 'blocks.0.attn.hook_v[3]'];
    const model = await createGpt2Model(loaded.weights, cfg, { backend: 'wasm', hooks: [...keys, 'blocks.1.attn.hook_z'], logits: 'none', tl: SAELENS_DEFAULTS });
    const out = await model.forward([ids]);
    await model.dispose();
    expect(model.hooks).toEqual(expect.arrayContaining(keys));
    const ref = tlForward(tlState(readCheckpoint(TINY_DIR).config, readCheckpoint(TINY_DIR).weights, TL_OPTS), ids);
    const T = ids.length;
    for (const key of keys) {
      const { hook, head } = splitHeadKey(key);
      expect(out.hooks[key].shape).toEqual([1, T, HD]);
      const full = ref.hooks[hook]; // [T, head, d_head]
      expect(full.shape).toEqual([T, 4, HD]);
      const want = Float64Array.from({ length: T * HD }, (_, i) => full.data[(Math.floor(i / HD) * 4 + head!) * HD + (i % HD)]);
      assertClose(`${key} vs TransformerLens`, out.hooks[key].data, want, 1e-4);
    }
    // The key is the whole hook's slice, bit for bit.
    const z = out.hooks['blocks.1.attn.hook_z'].data; // [1, T, 4, 64]
    const slice = Float32Array.from({ length: T * HD }, (_, i) => z[(Math.floor(i / HD) * 4 + 2) * HD + (i % HD)]);
    expect(out.hooks['blocks.1.attn.hook_z[2]'].data).toEqual(slice);
  });

  it('steering at head h moves hook_z by exactly v in head h and by 0 in every other head', async () => {
    const key = 'blocks.2.attn.hook_z[1]';
    const hook = 'blocks.2.attn.hook_z';
    const d = cfg.nEmbd;
    const hooks = ['blocks.2.attn.hook_v', 'blocks.2.attn.hook_pattern', hook, key, 'blocks.2.hook_attn_out'];
    const model = await createGpt2Model(loaded.weights, cfg, { backend: 'wasm', hooks, steerAt: key, tl: SAELENS_DEFAULTS });
    expect(model.steerAt).toBe(key);
    expect(model.steerDim).toBe(HD);
    const x = pseudoIds(7, 8192, 9);
    const T = x.length;
    const v = pseudoVector(HD, 4, 0.5);
    const clean = await model.forward([x]);
    const steered = await model.forward([x], { steer: { data: v, shape: [1, 1, HD] } });
    await model.dispose();
    const dz = steered.hooks[hook].data.map((s, i) => s - clean.hooks[hook].data[i]); // [T, 4, 64]
    const inHead = (i: number) => Math.floor(i / HD) % 4 === 1;
    expect(Array.from(dz.filter((_, i) => !inHead(i)))).toEqual(new Array(T * 3 * HD).fill(0)); // other heads: exactly 0
    assertClose('head 1 delta', dz.filter((_, i) => inHead(i)), Float32Array.from({ length: T * HD }, (_, i) => v[i % HD]), 1e-5);
    const dk = steered.hooks[key].data.map((s, i) => s - clean.hooks[key].data[i]);
    assertClose('key delta', dk, Float32Array.from({ length: T * HD }, (_, i) => v[i % HD]), 1e-5);
    for (const h of ['blocks.2.attn.hook_v', 'blocks.2.attn.hook_pattern']) expect(steered.hooks[h].data).toEqual(clean.hooks[h].data);
    // attn_out moves by v · W_O[head 1] = v · c_proj.weight rows 64…127 (W_O processed as the TL settings do: the
    // centring of writing weights subtracts each row's mean over d_model).
    const wO = readCheckpoint(TINY_DIR).weights.get('h.2.attn.c_proj.weight')!.data; // [d, d] (in, out)
    const vWo = new Float64Array(d);
    for (let o = 0; o < d; o++) for (let j = 0; j < HD; j++) vWo[o] += v[j] * wO[(HD + j) * d + o];
    const mean = vWo.reduce((a, b) => a + b, 0) / d;
    const dOut = steered.hooks['blocks.2.hook_attn_out'].data.map((s, i) => s - clean.hooks['blocks.2.hook_attn_out'].data[i]);
    assertClose('attn_out delta', dOut, Float64Array.from({ length: T * d }, (_, i) => vWo[i % d] - mean), 1e-4);
  });
});

/** A random standard SAE on one head, declaring SAELens' default TransformerLens settings. */
function headSae(key: string, applyBDec = true): { cfg: SaeConfig; weights: SaeWeights } {
  const n = 40;
  return {
    cfg: {
      architecture: 'standard',
      d_in: HD,
      d_sae: n,
      dtype: 'float32',
      apply_b_dec_to_input: applyBDec,
      normalize_activations: 'none',
      hook_name: key,
      model_name: 'tiny-gpt2',
      context_size: 32,
      prepend_bos: true,
      model_from_pretrained_kwargs: tlKwargs(SAELENS_DEFAULTS),
    },
    weights: { W_enc: pseudoVector(HD * n, 1, 0.3), b_enc: pseudoVector(n, 2, 0.05), W_dec: pseudoVector(n * HD, 3, 0.2), b_dec: pseudoVector(HD, 4, 0.1) },
  };
}

describe('SAELens cfg.json with hook_head_index', () => {
  it('round-trips: saved as hook_name + hook_head_index (flat and nested), loaded back as the one-head key', () => {
    const sae = headSae('blocks.1.attn.hook_z[2]');
    const files = saveSaeLens(sae.cfg, sae.weights);
    const json = JSON.parse(files['cfg.json']);
    expect(json).toMatchObject({ d_in: HD, hook_name: 'blocks.1.attn.hook_z', hook_head_index: 2, hook_layer: 1 });
    expect(json.metadata).toMatchObject({ hook_name: 'blocks.1.attn.hook_z', hook_head_index: 2 });
    const back = loadSaeLens({ cfgJson: json, weights: files['sae_weights.safetensors'] });
    expect(back.cfg).toEqual(sae.cfg);
    expect(back.weights.W_enc).toEqual(sae.weights.W_enc);
    // A whole hook still says hook_head_index null.
    const whole = JSON.parse(saveSaeLens({ ...sae.cfg, hook_name: 'blocks.1.attn.hook_z', d_in: HD }, sae.weights)['cfg.json']);
    expect(whole.hook_head_index).toBeNull();
  });

  it("reads SAELens 6's nested metadata and ≤ 5's hook_point_head_index", () => {
    const base = { architecture: 'standard', d_in: HD, d_sae: 8, apply_b_dec_to_input: true, normalize_activations: 'none' };
    const meta = { model_name: 'tiny-gpt2', context_size: 32, prepend_bos: true };
    const six = parseSaeLensCfg({ ...base, metadata: { ...meta, hook_name: 'blocks.3.attn.hook_v', hook_head_index: 0 } });
    expect(six.hook_name).toBe('blocks.3.attn.hook_v[0]');
    const five = parseSaeLensCfg({ ...base, ...meta, hook_point: 'blocks.0.attn.hook_q', hook_point_head_index: 3 });
    expect(five.hook_name).toBe('blocks.0.attn.hook_q[3]');
    expect(parseSaeLensCfg({ ...base, ...meta, hook_name: 'blocks.0.attn.hook_z', hook_head_index: null }).hook_name).toBe('blocks.0.attn.hook_z');
  });

  it('refuses a head on a hook without heads, a bad index, and d_in ≠ d_head in the model', () => {
    const base = { architecture: 'standard', d_sae: 8, model_name: 'tiny-gpt2', context_size: 32 };
    expect(() => parseSaeLensCfg({ ...base, d_in: 256, hook_name: 'blocks.0.hook_resid_pre', hook_head_index: 1 })).toThrow(SaeConfigError);
    expect(() => parseSaeLensCfg({ ...base, d_in: 256, hook_name: 'blocks.0.hook_resid_pre', hook_head_index: 1 })).toThrow(/has no head axis/);
    expect(() => parseSaeLensCfg({ ...base, d_in: HD, hook_name: 'blocks.0.attn.hook_z', hook_head_index: -1 })).toThrow(/hook_head_index must be null or an integer ≥ 0/);
    const wide = { ...base, d_in: 256, hook_name: 'blocks.0.attn.hook_z', hook_head_index: 1 };
    expect(parseSaeLensCfg(wide).hook_name).toBe('blocks.0.attn.hook_z[1]'); // without the model: nothing to check d_in against
    expect(() => parseSaeLensCfg(wide, 'cfg.json', cfg)).toThrow(SaeConfigError);
    expect(() => parseSaeLensCfg(wide, 'cfg.json', cfg)).toThrow(/cfg.json: d_in is 256, but hook_head_index 1 reads one head of blocks.0.attn.hook_z, d_head = 64 wide in this model \(the whole hook is 256\)/);
    expect(() => parseSaeLensCfg({ ...wide, d_in: HD, hook_head_index: 4 }, 'cfg.json', cfg)).toThrow(/heads 0…3/);
    expect(() => checkSaeFitsModel({ hook_name: 'blocks.0.attn.hook_z[1]', d_in: HD }, cfg)).not.toThrow();
  });
});

describe('an SAE on one head', () => {
  let rows: Float32Array; // the one-head harvest model's rows [T, 64] (what a run of the key stores)
  beforeAll(async () => {
    const model = await createGpt2Model(loaded.weights, cfg, { backend: 'wasm', hooks: ['blocks.1.attn.hook_z[2]'], logits: 'none', tl: SAELENS_DEFAULTS });
    rows = (await model.forward([ids])).hooks['blocks.1.attn.hook_z[2]'].data;
    await model.dispose();
  });

  it('trained on the rows of head h: exported with hook_head_index, it encodes those rows as the float64 reference does', () => {
    const key = 'blocks.1.attn.hook_z[2]';
    const T = ids.length;
    const tc = trainConfig({ dIn: HD, dSae: 32, k: 4 });
    const state = initTrainState(initSaeParams(tc, 5));
    for (let s = 0; s < 5; s++) cpuTrainStep(state, rows, T, tc, 1e-3);
    const meta = { hook_name: key, model_name: 'tiny-gpt2', context_size: 32, prepend_bos: true, model_from_pretrained_kwargs: tlKwargs(SAELENS_DEFAULTS) };
    const out = toSaeLens(state, tc, meta, 1);
    const json = JSON.parse(out.files['cfg.json']);
    expect(json).toMatchObject({ hook_name: 'blocks.1.attn.hook_z', hook_head_index: 2, d_in: HD });
    const sae = loadSaeLens({ cfgJson: json, weights: out.files['sae_weights.safetensors'] });
    expect(sae.cfg.hook_name).toBe(key);
    const got = encode(sae.weights, sae.cfg, rows, T);
    const want = refEncode(refSaeOf(sae), rows, T);
    assertClose('pre-activations', got.pre, want.pre, 1e-5);
    assertClose('activations', got.acts, want.acts, 1e-5);
  });

  it("read through the live model (HF_RAW), the value bias folded for head h alone equals the SAE on TransformerLens' head h", async () => {
    const key = 'blocks.1.attn.hook_z[2]';
    const sae = headSae(key);
    const model = await createGpt2Model(loaded.weights, cfg, { backend: 'wasm', hooks: [key], logits: 'none', tl: HF_RAW });
    const raw = (await model.forward([ids])).hooks[key].data;
    await model.dispose();
    const adapted = adaptSaeToSettings(sae.cfg, sae.weights, { from: HF_RAW, fromLabel: 'the loaded model computes it', model: { cfg, weights: loaded.weights } });
    expect(adapted.b_dec.length).toBe(HD);
    const T = ids.length;
    assertClose('pre-activations', encode(adapted, sae.cfg, raw, T).pre, refEncode(refSaeOf(sae), rows, T).pre, 1e-4);
  });

  it('steered at head h: steerFor writes a [T, d_head] steer for the key (the graph pads it into head h)', async () => {
    const key = 'blocks.1.attn.hook_z[2]';
    const sae = headSae(key);
    const spec = steerFor(sae, [{ feature: 3, mode: 'add', value: 2 }], rows, ids.length);
    expect(spec.shape).toEqual([1, ids.length, HD]);
    assertClose('2·W_dec[3]', spec.data.subarray(0, HD), sae.weights.W_dec.subarray(3 * HD, 4 * HD).map((w) => 2 * w), 1e-7);
  });

  it('attribution refuses it by name (it decomposes residual-stream, attention-output and MLP hooks, not hook_z)', () => {
    expect(() => attributionModelOptions('blocks.1.attn.hook_z[2]', cfg)).toThrow(AttributionHookError);
    expect(() => attributionModelOptions('blocks.1.attn.hook_z[2]', cfg)).toThrow(/this SAE reads blocks\.1\.attn\.hook_z\[2\]/);
  });
});

describe('evals at one head (wasm)', () => {
  const key = 'blocks.1.attn.hook_z[2]';
  let model: Gpt2Model;
  let windows: number[][];
  beforeAll(async () => {
    model = await createGpt2Model(loaded.weights, cfg, { backend: 'wasm', steerAt: key, hooks: [key], logits: 'all' });
    const text = loaded.tokenizer.encode('Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, and nothing particular to interest me on shore, I thought I would sail about.');
    windows = [[8191, ...text.slice(0, 19)], [8191, ...text.slice(19, 38)]];
  });
  afterAll(async () => {
    await model?.dispose();
  });

  it("splice and zero-ablation touch head h alone (SAELens' single_head_replacement_hook and single_head_zero_ablate_hook)", async () => {
    // ReLU(x) − ReLU(−x) = x: an exact one-head SAE recovers all the CE loss.
    const W_enc = new Float32Array(HD * 2 * HD);
    const W_dec = new Float32Array(2 * HD * HD);
    for (let c = 0; c < HD; c++) {
      W_enc[c * 2 * HD + c] = 1;
      W_enc[c * 2 * HD + HD + c] = -1;
      W_dec[c * HD + c] = 1;
      W_dec[(HD + c) * HD + c] = -1;
    }
    const sae = { cfg: { ...headSae(key).cfg, d_sae: 2 * HD, apply_b_dec_to_input: false, model_from_pretrained_kwargs: tlKwargs(HF_RAW) }, weights: { W_enc, b_enc: new Float32Array(2 * HD), W_dec, b_dec: new Float32Array(HD) } };
    const r = await saeFaithfulness(model, sae, windows);
    expect(r.fvu).toBe(0);
    expect(Math.abs(r.ceLossRecovered - 1)).toBeLessThan(1e-4);
    // The zero pass is head 2 of z set to 0, the other heads untouched: the CE of a model steered at the whole
    // hook_z by −z in head 2's slice, computed here.
    const whole = await createGpt2Model(loaded.weights, cfg, { backend: 'wasm', steerAt: 'blocks.1.attn.hook_z', hooks: ['blocks.1.attn.hook_z'], logits: 'all' });
    let sum = 0;
    let count = 0;
    for (const w of windows) {
      const z = (await whole.forward([w])).hooks['blocks.1.attn.hook_z'].data; // [1, T, 4, 64]
      const steer = z.map((v, i) => (Math.floor(i / HD) % 4 === 2 ? -v : 0));
      const { logits } = await whole.forward([w], { steer: { data: steer, shape: [1, w.length, 4 * HD] } });
      const V = cfg.vocabSize;
      for (let t = 0; t + 1 < w.length; t++) {
        const row = logits!.data.subarray(t * V, (t + 1) * V);
        const max = row.reduce((m, v) => Math.max(m, v), -Infinity);
        sum += max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) - row[w[t + 1]];
        count++;
      }
    }
    await whole.dispose();
    expect(count).toBe(r.predictions);
    expect(Math.abs(r.ceZero - sum / count)).toBeLessThan(1e-5);
    expect(r.ceZero).not.toBeCloseTo(r.ceClean, 3); // the head matters, so the check above means something
  });
});
