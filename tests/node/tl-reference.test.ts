// Sanity checks for the independent TransformerLens reference (tests/reference/tl-reference.ts):
// properties that hold whatever the lab does. With no processing it must match the raw HF
// reference; each processing step must change exactly what TransformerLens' algebra says it does.

import { describe, it, expect } from 'vitest';
import { TINY_DIR, pseudoIds, readCheckpoint } from '../helpers/checkpoints';
import { referenceForward } from '../reference/gpt2-reference';
import { assertClose } from '../reference/compare';
import { type TlOptions, type TlResult, tlHookNames, tlReference } from '../reference/tl-reference';

const ckpt = readCheckpoint(TINY_DIR);
const cfg = ckpt.config;
const d = cfg.n_embd;
const nh = cfg.n_head;
const hd = d / nh;
const L = cfg.n_layer;
const vocab = cfg.vocab_size;
const ids = [cfg.vocab_size - 1, ...pseudoIds(9, vocab - 1, 7)]; // BOS + 9 tokens
const T = ids.length;

const OFF: TlOptions = { fold_ln: false, center_writing_weights: false, center_unembed: false, fold_value_biases: false };
const run = (o: Partial<TlOptions>, want?: string[]): TlResult => tlReference(cfg, ckpt.weights, ids, { ...OFF, ...o }, want);

const raw = run({});
const hf = referenceForward(ckpt.weights, cfg, ids);

function w(name: string): Float32Array {
  const t = ckpt.weights.get(name) ?? ckpt.weights.get('transformer.' + name);
  if (!t) throw new Error(`missing ${name}`);
  return t.data;
}

const h = (r: TlResult, name: string) => {
  const x = r.hooks[name];
  if (!x) throw new Error(`hook ${name} not recorded`);
  return x.data;
};

const RESID = ['hook_embed', 'hook_pos_embed'].concat(
  Array.from({ length: L }, (_, l) => [`blocks.${l}.hook_resid_pre`, `blocks.${l}.hook_resid_mid`, `blocks.${l}.hook_resid_post`]).flat(),
);

/** x minus its per-row mean, rows of width `width`. */
function centreRows(x: ArrayLike<number>, width: number): Float64Array {
  const y = Float64Array.from(x);
  for (let r = 0; r < y.length; r += width) {
    let m = 0;
    for (let c = 0; c < width; c++) m += y[r + c];
    m /= width;
    for (let c = 0; c < width; c++) y[r + c] -= m;
  }
  return y;
}

function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}

describe('TransformerLens reference (tiny GPT-2)', () => {
  it('records every TL hook with TL shapes (no batch axis), in forward order', () => {
    expect(Object.keys(raw.hooks)).toEqual(tlHookNames(L));
    const dMlp = 4 * d;
    const shapes: Record<string, number[]> = {
      hook_embed: [T, d],
      hook_pos_embed: [T, d],
      'blocks.2.hook_resid_pre': [T, d],
      'blocks.2.ln1.hook_scale': [T, 1],
      'blocks.2.ln1.hook_normalized': [T, d],
      'blocks.2.attn.hook_q': [T, nh, hd],
      'blocks.2.attn.hook_k': [T, nh, hd],
      'blocks.2.attn.hook_v': [T, nh, hd],
      'blocks.2.attn.hook_attn_scores': [nh, T, T],
      'blocks.2.attn.hook_pattern': [nh, T, T],
      'blocks.2.attn.hook_z': [T, nh, hd],
      'blocks.2.hook_attn_out': [T, d],
      'blocks.2.ln2.hook_scale': [T, 1],
      'blocks.2.mlp.hook_pre': [T, dMlp],
      'blocks.2.mlp.hook_post': [T, dMlp],
      'blocks.2.hook_mlp_out': [T, d],
      'ln_final.hook_scale': [T, 1],
      'ln_final.hook_normalized': [T, d],
    };
    for (const [name, shape] of Object.entries(shapes)) {
      expect(raw.hooks[name].shape, name).toEqual(shape);
      expect(raw.hooks[name].data.length, name).toBe(shape.reduce((a, b) => a * b, 1));
    }
    expect(raw.logits.length).toBe(T * vocab);
  });

  it('wantHooks keeps only the named hooks and rejects unknown names', () => {
    const r = run({}, ['blocks.1.hook_resid_post', 'blocks.0.attn.hook_z']);
    expect(Object.keys(r.hooks).sort()).toEqual(['blocks.0.attn.hook_z', 'blocks.1.hook_resid_post']);
    expect(Array.from(r.logits)).toEqual(Array.from(raw.logits));
    expect(() => run({}, ['blocks.0.hook_nonsense'])).toThrow(/unknown hook/);
  });

  it('with no processing matches the raw HF reference (logits and residual-stream hooks)', () => {
    assertClose('logits', raw.logits, hf.logits, 1e-5);
    for (const name of Object.keys(hf.hooks)) {
      if (name === 'ln_final.hook_normalized') continue; // the HF reference records it before the affine
      assertClose(name, h(raw, name), hf.hooks[name], 1e-5);
    }
    // TL's LayerNorm hook_normalized is after w, b.
    const gamma = w('ln_f.weight'), beta = w('ln_f.bias');
    const pre = hf.hooks['ln_final.hook_normalized'];
    const affine = Float64Array.from(pre, (x, i) => x * gamma[i % d] + beta[i % d]);
    assertClose('ln_final.hook_normalized (LN, affine)', h(raw, 'ln_final.hook_normalized'), affine, 1e-5);
  });

  it('q/k/v follow the c_attn split: head i is columns i*hd.. of each third, bias included', () => {
    for (const l of [0, L - 1]) {
      const x = h(raw, `blocks.${l}.ln1.hook_normalized`);
      const W = w(`h.${l}.attn.c_attn.weight`), B = w(`h.${l}.attn.c_attn.bias`);
      const qkv = new Float64Array(T * 3 * d);
      for (let t = 0; t < T; t++) {
        for (let c = 0; c < 3 * d; c++) {
          let s = B[c];
          for (let m = 0; m < d; m++) s += x[t * d + m] * W[m * 3 * d + c];
          qkv[t * 3 * d + c] = s;
        }
      }
      ['q', 'k', 'v'].forEach((which, third) => {
        const got = h(raw, `blocks.${l}.attn.hook_${which}`);
        const want = new Float64Array(T * d);
        for (let t = 0; t < T; t++) for (let c = 0; c < d; c++) want[t * d + c] = qkv[t * 3 * d + third * d + c];
        assertClose(`blocks.${l}.attn.hook_${which}`, got, want, 1e-12);
      });
    }
  });

  it('attention scores are -inf above the diagonal, pattern rows are causal softmaxes', () => {
    const scores = h(raw, 'blocks.1.attn.hook_attn_scores');
    const pattern = h(raw, 'blocks.1.attn.hook_pattern');
    const q = h(raw, 'blocks.1.attn.hook_q'), k = h(raw, 'blocks.1.attn.hook_k');
    for (let hh = 0; hh < nh; hh++) {
      for (let i = 0; i < T; i++) {
        let sum = 0;
        for (let j = 0; j < T; j++) {
          const idx = (hh * T + i) * T + j;
          if (j > i) {
            expect(scores[idx]).toBe(-Infinity);
            expect(pattern[idx]).toBe(0);
          } else {
            let dot = 0;
            for (let e = 0; e < hd; e++) dot += q[(i * nh + hh) * hd + e] * k[(j * nh + hh) * hd + e];
            expect(Math.abs(scores[idx] - dot / Math.sqrt(hd))).toBeLessThan(1e-12 * (1 + Math.abs(dot)));
            sum += pattern[idx];
          }
        }
        expect(Math.abs(sum - 1)).toBeLessThan(1e-12);
      }
    }
  });

  it('center_unembed only: logits shift by a per-position constant, hooks unchanged', () => {
    const r = run({ center_unembed: true });
    for (const name of Object.keys(raw.hooks)) expect(Array.from(h(r, name)), name).toEqual(Array.from(h(raw, name)));
    const diff = Float64Array.from(r.logits, (x, i) => x - raw.logits[i]);
    const scale = maxAbs(raw.logits);
    // diff minus its per-position mean must vanish, while the shift itself is not zero.
    expect(maxAbs(centreRows(diff, vocab))).toBeLessThan(1e-9 * scale);
    expect(maxAbs(diff)).toBeGreaterThan(1e-6 * scale);
    // Centred logits: each position's logits have zero mean over the vocabulary.
    expect(maxAbs(Float64Array.from({ length: T }, (_, t) => r.logits.subarray(t * vocab, (t + 1) * vocab).reduce((a, b) => a + b, 0) / vocab))).toBeLessThan(1e-9 * scale);
  });

  it('fold_ln only: residual stream, attention and logits unchanged; ln hooks are pre-affine', () => {
    const r = run({ fold_ln: true });
    for (const name of RESID) assertClose(name, h(r, name), h(raw, name), 1e-10);
    assertClose('logits', r.logits, raw.logits, 1e-10);
    for (let l = 0; l < L; l++) {
      const b = `blocks.${l}.`;
      for (const name of ['attn.hook_q', 'attn.hook_k', 'attn.hook_v', 'attn.hook_pattern', 'attn.hook_z', 'hook_attn_out', 'mlp.hook_pre', 'hook_mlp_out']) {
        assertClose(b + name, h(r, b + name), h(raw, b + name), 1e-10);
      }
      for (const [ln, hf] of [['ln1', 'ln_1'], ['ln2', 'ln_2']]) {
        assertClose(`${b}${ln}.hook_scale`, h(r, `${b}${ln}.hook_scale`), h(raw, `${b}${ln}.hook_scale`), 1e-12);
        const pre = h(r, `${b}${ln}.hook_normalized`);
        const gamma = w(`h.${l}.${hf}.weight`), beta = w(`h.${l}.${hf}.bias`);
        assertClose(`${b}${ln}.hook_normalized·w+b`, Float64Array.from(pre, (x, i) => x * gamma[i % d] + beta[i % d]), h(raw, `${b}${ln}.hook_normalized`), 1e-10);
        // LNPre output: zero mean, mean square 1 - eps/scale² per position.
        const scale = h(r, `${b}${ln}.hook_scale`);
        for (let t = 0; t < T; t++) {
          const row = pre.subarray(t * d, (t + 1) * d);
          expect(Math.abs(row.reduce((a, x) => a + x, 0) / d)).toBeLessThan(1e-12);
          const ms = row.reduce((a, x) => a + x * x, 0) / d;
          expect(Math.abs(ms - (1 - 1e-5 / scale[t] ** 2))).toBeLessThan(1e-10);
        }
      }
    }
    const gF = w('ln_f.weight'), bF = w('ln_f.bias');
    const fin = h(r, 'ln_final.hook_normalized');
    assertClose('ln_final.hook_normalized·w+b', Float64Array.from(fin, (x, i) => x * gF[i % d] + bF[i % d]), h(raw, 'ln_final.hook_normalized'), 1e-10);
  });

  it('center_writing_weights only: residual writes have zero mean per position; logits unchanged', () => {
    const r = run({ center_writing_weights: true });
    for (const name of RESID) {
      const got = h(r, name);
      for (let t = 0; t < T; t++) {
        const row = got.subarray(t * d, (t + 1) * d);
        expect(Math.abs(row.reduce((a, x) => a + x, 0) / d), `${name}[${t}] mean`).toBeLessThan(1e-12 * (1 + maxAbs(row)));
      }
      assertClose(`${name} = raw - mean`, got, centreRows(h(raw, name), d), 1e-10);
    }
    for (let l = 0; l < L; l++) {
      for (const name of [`blocks.${l}.hook_attn_out`, `blocks.${l}.hook_mlp_out`]) assertClose(name, h(r, name), centreRows(h(raw, name), d), 1e-10);
    }
    assertClose('logits', r.logits, raw.logits, 1e-10);
  });

  it('fold_value_biases only: attn_out and logits unchanged, v and z lose b_V', () => {
    const r = run({ fold_value_biases: true });
    assertClose('logits', r.logits, raw.logits, 1e-10);
    for (const name of RESID) assertClose(name, h(r, name), h(raw, name), 1e-10);
    for (let l = 0; l < L; l++) {
      const b = `blocks.${l}.`;
      assertClose(b + 'hook_attn_out', h(r, b + 'hook_attn_out'), h(raw, b + 'hook_attn_out'), 1e-10);
      const bV = w(`h.${l}.attn.c_attn.bias`).subarray(2 * d, 3 * d); // [nh*hd], head-major
      for (const name of ['attn.hook_v', 'attn.hook_z']) {
        const want = Float64Array.from(h(raw, b + name), (x, i) => x - bV[i % d]);
        assertClose(b + name + ' = raw - b_V', h(r, b + name), want, 1e-10);
      }
      assertClose(b + 'attn.hook_q', h(r, b + 'attn.hook_q'), h(raw, b + 'attn.hook_q'), 1e-10);
    }
  });

  it('TL defaults (all on): log-probs unchanged, residual centred, v/z shifted by a per-head constant', () => {
    const r = run({ fold_ln: true, center_writing_weights: true, center_unembed: true, fold_value_biases: true });
    const scale = maxAbs(raw.logits);
    const diff = Float64Array.from(r.logits, (x, i) => x - raw.logits[i]);
    expect(maxAbs(centreRows(diff, vocab))).toBeLessThan(1e-9 * scale);
    for (const name of RESID) assertClose(name, h(r, name), centreRows(h(raw, name), d), 1e-10);
    for (let l = 0; l < L; l++) {
      for (const name of ['attn.hook_v', 'attn.hook_z']) {
        const key = `blocks.${l}.${name}`;
        const shift = Float64Array.from(h(r, key), (x, i) => x - h(raw, key)[i]); // [T, nh*hd]
        // Same shift at every position (b_V + ln1.b @ W_V), and not zero.
        for (let t = 1; t < T; t++) assertClose(`${key} shift[${t}]`, shift.subarray(t * d, (t + 1) * d), shift.subarray(0, d), 1e-8);
        expect(maxAbs(shift)).toBeGreaterThan(1e-6);
      }
      assertClose(`blocks.${l}.attn.hook_pattern`, h(r, `blocks.${l}.attn.hook_pattern`), h(raw, `blocks.${l}.attn.hook_pattern`), 1e-10);
    }
  });
});
