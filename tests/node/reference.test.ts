// Tests for the independent GPT-2 CPU reference in tests/reference/ (the
// yardstick for the ONNX implementation), so a bug there cannot hide one in src/.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, afterAll } from 'vitest';
import { Tokenizer } from '@huggingface/tokenizers';
import {
  readSafetensors,
  writeSafetensors,
  f16BitsToF32,
  f32ToF16Bits,
  type RefDtype,
} from '../reference/safetensors-ref';
import { referenceForward, crossEntropy } from '../reference/gpt2-reference';
import { writeRandomGpt2 } from '../reference/random-gpt2';
import { assertClose, compareTensors } from '../reference/compare';

const TINY_DIR = join(process.cwd(), 'public/models/tiny-gpt2');

function loadModel(dir: string) {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const weights = readSafetensors(readFileSync(join(dir, 'model.safetensors')));
  return { config, weights };
}

describe('safetensors reference reader/writer', () => {
  const special = [0, -0, 1, -2.5, 65504, -65504, 1e-7, 6.103515625e-5, 5.960464477539063e-8, Infinity, -Infinity, 0.1, 3.14159];

  it('round-trips F32 exactly', () => {
    const data = new Float32Array([...special, NaN]);
    const back = readSafetensors(writeSafetensors({ x: { dtype: 'F32', shape: [2, 7], data } })).get('x')!;
    expect(back.shape).toEqual([2, 7]);
    for (let i = 0; i < data.length; i++) expect(Object.is(back.data[i], data[i])).toBe(true);
  });

  it('round-trips F16 with correct rounding, subnormals, -0 and inf', () => {
    const data = new Float32Array([...special, 70000, NaN]);
    const back = readSafetensors(writeSafetensors({ h: { dtype: 'F16', shape: [data.length], data } })).get('h')!.data;
    expect(back[0]).toBe(0);
    expect(Object.is(back[1], -0)).toBe(true);
    expect(back[2]).toBe(1);
    expect(back[3]).toBe(-2.5);
    expect(back[4]).toBe(65504); // largest finite half
    expect(back[5]).toBe(-65504);
    // 1e-7 is a half subnormal: nearest multiple of 2^-24 is 2 * 2^-24.
    expect(back[6]).toBe(2 * 2 ** -24);
    expect(back[7]).toBe(2 ** -14); // smallest normal
    expect(back[8]).toBe(2 ** -24); // smallest subnormal
    expect(back[9]).toBe(Infinity);
    expect(back[10]).toBe(-Infinity);
    expect(Math.abs(back[11] - 0.1)).toBeLessThan(2 ** -14); // 10 mantissa bits
    expect(back[13]).toBe(Infinity); // overflow
    expect(Number.isNaN(back[14])).toBe(true);
  });

  it('F16 conversion rounds ties to even and decodes every half exactly', () => {
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties go to the even 1.
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00);
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    // Halfway between the smallest subnormal and 0 rounds to 0 (even).
    expect(f32ToF16Bits(2 ** -25)).toBe(0);
    expect(f32ToF16Bits(1.5 * 2 ** -25)).toBe(1);
    // Every finite half survives decode -> encode unchanged.
    const broken: number[] = [];
    for (let h = 0; h < 65536; h++) {
      if ((h & 0x7c00) === 0x7c00 && h & 0x3ff) continue; // NaN payloads
      if (f32ToF16Bits(f16BitsToF32(h)) !== h) broken.push(h);
    }
    expect(broken).toEqual([]);
  });

  it('round-trips BF16', () => {
    const data = new Float32Array([...special, 3e38, NaN]);
    const back = readSafetensors(writeSafetensors({ b: { dtype: 'BF16', shape: [data.length], data } })).get('b')!.data;
    expect(back[0]).toBe(0);
    expect(Object.is(back[1], -0)).toBe(true);
    expect(back[2]).toBe(1);
    expect(back[3]).toBe(-2.5);
    expect(back[4]).toBe(65536); // 8 mantissa bits: 65504 rounds up
    expect(Math.abs(back[6] - 1e-7) / 1e-7).toBeLessThan(2 ** -8); // no subnormal issue in bf16
    expect(back[9]).toBe(Infinity);
    expect(back[10]).toBe(-Infinity);
    expect(Math.abs(back[12] - 3.14159)).toBeLessThan(0.02);
    expect(Math.abs(back[13] - 3e38) / 3e38).toBeLessThan(2 ** -8);
    expect(Number.isNaN(back[14])).toBe(true);
  });

  it('pads the header to 8-byte alignment and keeps several tensors apart', () => {
    const bytes = writeSafetensors({
      a: { dtype: 'F16', shape: [3], data: new Float32Array([1, 2, 3]) },
      b: { dtype: 'F32', shape: [1, 2], data: new Float32Array([4, 5]) },
    });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const back = readSafetensors(bytes);
    expect(Array.from(back.get('a')!.data)).toEqual([1, 2, 3]);
    expect(Array.from(back.get('b')!.data)).toEqual([4, 5]);
    expect(back.get('b')!.shape).toEqual([1, 2]);
  });
});

describe('GPT-2 reference on the trained tiny model', () => {
  const { config, weights } = loadModel(TINY_DIR);
  const tokenizer = new Tokenizer(JSON.parse(readFileSync(join(TINY_DIR, 'tokenizer.json'), 'utf8')), {});
  const text =
    'Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse, ' +
    'and nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of the world.';
  const ids = tokenizer.encode(text).ids;

  it('predicts Moby-Dick far better than the unigram baseline', () => {
    expect(ids.length).toBeGreaterThan(30);
    expect(tokenizer.decode(ids)).toBe(text);
    const { logits, hooks } = referenceForward(weights, config, ids);
    expect(logits.length).toBe(ids.length * config.vocab_size);
    const ce = crossEntropy(logits, ids);
    console.log(`tiny-gpt2 reference CE on ${ids.length} tokens: ${ce.toFixed(3)} nats`);
    // Held-out CE of this model is 4.22; a broken forward lands near or above ln(8192) = 9.
    expect(ce).toBeLessThan(5.5);

    const d = config.n_embd;
    const T = ids.length;
    const expectedHooks = ['hook_embed', 'hook_pos_embed', 'ln_final.hook_normalized'];
    for (let l = 0; l < config.n_layer; l++) {
      for (const h of ['hook_resid_pre', 'hook_attn_out', 'hook_resid_mid', 'hook_mlp_out', 'hook_resid_post']) {
        expectedHooks.push(`blocks.${l}.${h}`);
      }
      expect(hooks[`blocks.${l}.mlp.hook_pre`].length).toBe(T * 4 * d);
      expect(hooks[`blocks.${l}.mlp.hook_post`].length).toBe(T * 4 * d);
    }
    for (const name of expectedHooks) expect(hooks[name]?.length, name).toBe(T * d);
  });

  it('hooks compose as TransformerLens defines them', () => {
    const { hooks } = referenceForward(weights, config, ids.slice(0, 12));
    const sum = (a: Float32Array, b: Float32Array) => a.map((v, i) => v + b[i]);
    assertClose('resid_pre0 = embed + pos', hooks['blocks.0.hook_resid_pre'], sum(hooks['hook_embed'], hooks['hook_pos_embed']), 1e-6);
    for (let l = 0; l < config.n_layer; l++) {
      const b = `blocks.${l}.`;
      assertClose(`${b}resid_mid`, hooks[b + 'hook_resid_mid'], sum(hooks[b + 'hook_resid_pre'], hooks[b + 'hook_attn_out']), 1e-6);
      assertClose(`${b}resid_post`, hooks[b + 'hook_resid_post'], sum(hooks[b + 'hook_resid_mid'], hooks[b + 'hook_mlp_out']), 1e-6);
      if (l > 0) expect(hooks[b + 'hook_resid_pre']).toEqual(hooks[`blocks.${l - 1}.hook_resid_post`]);
    }
    // ln_final.hook_normalized has zero mean and unit variance per row.
    const norm = hooks['ln_final.hook_normalized'];
    const d = config.n_embd;
    for (let t = 0; t < 12; t++) {
      const row = norm.subarray(t * d, (t + 1) * d);
      const mean = row.reduce((a, v) => a + v, 0) / d;
      const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / d;
      expect(Math.abs(mean)).toBeLessThan(1e-5);
      expect(Math.abs(variance - 1)).toBeLessThan(1e-3);
    }
  });

  it('is causal: logits at a position ignore later tokens', () => {
    const full = referenceForward(weights, config, ids.slice(0, 10)).logits;
    const prefix = referenceForward(weights, config, ids.slice(0, 6)).logits;
    assertClose('causal prefix logits', full.subarray(0, prefix.length), prefix, 1e-5);
  });

  it('steering at blocks.1.hook_resid_mid adds v there and only downstream', () => {
    const short = ids.slice(0, 8);
    const T = short.length;
    const d = config.n_embd;
    const base = referenceForward(weights, config, short).hooks;
    const v = new Float32Array(d).map((_, i) => Math.sin(i) * 0.5);
    const steered = referenceForward(weights, config, short, { steer: { hook: 'blocks.1.hook_resid_mid', vector: v } });

    const diff = steered.hooks['blocks.1.hook_resid_mid'].map((x, i) => x - base['blocks.1.hook_resid_mid'][i]);
    for (let t = 0; t < T; t++) assertClose(`steer delta @${t}`, diff.subarray(t * d, (t + 1) * d), v, 1e-6);

    for (const name of ['hook_embed', 'hook_pos_embed', 'blocks.0.hook_resid_post', 'blocks.1.hook_resid_pre', 'blocks.1.hook_attn_out']) {
      expect(steered.hooks[name], name).toEqual(base[name]);
    }
    expect(compareTensors('mlp_out', steered.hooks['blocks.1.hook_mlp_out'], base['blocks.1.hook_mlp_out']).maxAbsDiff).toBeGreaterThan(0);
    expect(compareTensors('resid_post3', steered.hooks['blocks.3.hook_resid_post'], base['blocks.3.hook_resid_post']).maxAbsDiff).toBeGreaterThan(0);
  });

  it('steering resid_pre of layer l leaves resid_post of l-1 unsteered; per-position vectors work', () => {
    const short = ids.slice(0, 5);
    const T = short.length;
    const d = config.n_embd;
    const base = referenceForward(weights, config, short).hooks;
    const v = new Float32Array(T * d).map((_, i) => (i % d === 0 ? i / d : 0)); // different per position
    const { hooks } = referenceForward(weights, config, short, { steer: { hook: 'blocks.2.hook_resid_pre', vector: v } });
    expect(hooks['blocks.1.hook_resid_post']).toEqual(base['blocks.1.hook_resid_post']);
    const delta = hooks['blocks.2.hook_resid_pre'].map((x, i) => x - base['blocks.2.hook_resid_pre'][i]);
    assertClose('per-position steer', delta, v, 1e-6);
  });

  it('rejects an unknown steering hook and a wrong-length vector', () => {
    const short = ids.slice(0, 3);
    expect(() => referenceForward(weights, config, short, { steer: { hook: 'blocks.1.hook_resid_typo', vector: new Float32Array(config.n_embd) } })).toThrow(/unknown steering hook/);
    expect(() => referenceForward(weights, config, short, { steer: { hook: 'blocks.1.hook_resid_mid', vector: new Float32Array(7) } })).toThrow(/length/);
  });
});

describe('random GPT-2 checkpoint writer', () => {
  const shape = { n_layer: 2, n_embd: 64, n_head: 4, n_positions: 32, vocab_size: 300 };
  const tmp = mkdtempSync(join(tmpdir(), 'ref-gpt2-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const cases: { dtype: RefDtype; prefix: boolean }[] = [
    { dtype: 'F32', prefix: false },
    { dtype: 'F16', prefix: false },
    { dtype: 'BF16', prefix: true },
    { dtype: 'F32', prefix: true },
  ];
  for (const { dtype, prefix } of cases) {
    it(`writes, reads back and runs (${dtype}, prefix=${prefix})`, () => {
      const dir = join(tmp, `${dtype}-${prefix}`);
      writeRandomGpt2(dir, { ...shape, dtype, prefix, seed: 7 });
      const { config, weights } = loadModel(dir);
      expect(config).toMatchObject({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], n_ctx: 32, n_inner: null, activation_function: 'gelu_new', bos_token_id: 299, eos_token_id: 299, tie_word_embeddings: true });

      const p = prefix ? 'transformer.' : '';
      expect(weights.size).toBe(4 + 12 * shape.n_layer);
      expect(weights.get(p + 'wte.weight')!.shape).toEqual([300, 64]);
      expect(weights.get(p + 'wpe.weight')!.shape).toEqual([32, 64]);
      expect(weights.get(p + 'h.1.attn.c_attn.weight')!.shape).toEqual([64, 192]);
      expect(weights.get(p + 'h.1.attn.c_proj.weight')!.shape).toEqual([64, 64]);
      expect(weights.get(p + 'h.1.mlp.c_fc.weight')!.shape).toEqual([64, 256]);
      expect(weights.get(p + 'h.1.mlp.c_proj.weight')!.shape).toEqual([256, 64]);
      expect(weights.get(p + 'ln_f.bias')!.shape).toEqual([64]);
      // Biases are non-zero so a dropped bias shows up in comparisons.
      expect(weights.get(p + 'h.0.attn.c_attn.bias')!.data.some((x) => x !== 0)).toBe(true);

      const ids = Array.from({ length: 20 }, (_, i) => (i * 37) % 300);
      const { logits } = referenceForward(weights, config, ids);
      expect(logits.length).toBe(20 * 300);
      expect(logits.every(Number.isFinite)).toBe(true);
    });
  }

  it('is deterministic per seed', () => {
    writeRandomGpt2(join(tmp, 's1'), { ...shape, seed: 3 });
    writeRandomGpt2(join(tmp, 's2'), { ...shape, seed: 3 });
    writeRandomGpt2(join(tmp, 's3'), { ...shape, seed: 4 });
    const read = (n: string) => readFileSync(join(tmp, n, 'model.safetensors'));
    expect(read('s1').equals(read('s2'))).toBe(true);
    expect(read('s1').equals(read('s3'))).toBe(false);
  });
});
