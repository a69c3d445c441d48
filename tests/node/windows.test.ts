import { describe, expect, it } from 'vitest';
import { floatToHalf, halfToFloat } from '../../src/core/f16';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { WindowBuilder, safeCutIndex } from '../../src/store/windows';
import { TINY_DIR } from '../helpers/checkpoints';
import { f32ToF16Bits } from '../reference/safetensors-ref';

const BOS = 99;
const SEP = 98;

describe('window builder', () => {
  it('packs documents into BOS-led windows with a separator after each document', () => {
    const b = new WindowBuilder({ contextLength: 4, bosTokenId: BOS, separatorTokenId: SEP });
    const w = [...b.addTokens(0, [1, 2, 3, 4], 0), ...b.endDocument(0), ...b.addTokens(1, [5], 0), ...b.endDocument(1), ...b.flush()];
    expect(w.map((x) => x.ids)).toEqual([
      [BOS, 1, 2, 3],
      [BOS, 4, SEP, 5],
      [BOS, SEP],
    ]);
    expect(w[1].doc).toEqual([-1, 0, 0, 1]);
    expect(w[1].offset).toEqual([-1, 3, -1, 0]);
    expect(w[2].doc).toEqual([-1, 1]);
  });

  it('adds a document in pieces exactly as in one go', () => {
    const whole = new WindowBuilder({ contextLength: 5, bosTokenId: BOS, separatorTokenId: SEP });
    const parts = new WindowBuilder({ contextLength: 5, bosTokenId: BOS, separatorTokenId: SEP });
    const ids = Array.from({ length: 11 }, (_, i) => i);
    const a = [...whole.addTokens(0, ids, 0), ...whole.endDocument(0), ...whole.flush()];
    const b = [...parts.addTokens(0, ids.slice(0, 3), 0), ...parts.addTokens(0, ids.slice(3), 3), ...parts.endDocument(0), ...parts.flush()];
    expect(b).toEqual(a);
  });

  it('flushes nothing when only the BOS is pending', () => {
    const b = new WindowBuilder({ contextLength: 3, bosTokenId: BOS, separatorTokenId: SEP });
    expect([...b.addTokens(0, [1, 2], 0), ...b.flush()]).toHaveLength(1);
  });
});

describe('safe cut points for streamed text', () => {
  it('cutting there never changes GPT-2 tokens', () => {
    const tok = loadGpt2FromDir(TINY_DIR).tokenizer;
    const text = "Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse, and nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of the world.\n\n  It's a way I have.";
    const whole = tok.encode(text);
    for (let keep = 10; keep < text.length; keep += 7) {
      const cut = safeCutIndex(text.slice(0, keep));
      if (cut <= 0) continue;
      expect([...tok.encode(text.slice(0, cut)), ...tok.encode(text.slice(cut))]).toEqual(whole);
    }
    expect(safeCutIndex('nospaceshere')).toBe(-1);
  });
});

describe('fp16 conversion', () => {
  it('rounds like the reference encoder and round-trips every finite half', () => {
    const probe = Float32Array.from([0, -0, 1, 65504, 65520, 1e-8, 6e-8, 2.98e-8, 3.14159, -1e5, 0.1, 1 / 3]);
    expect(Array.from(floatToHalf(probe))).toEqual(Array.from(probe, (v) => f32ToF16Bits(v)));
    const bits = Uint16Array.from({ length: 0x7c00 }, (_, i) => i);
    expect(floatToHalf(halfToFloat(bits))).toEqual(bits);
  });
});
