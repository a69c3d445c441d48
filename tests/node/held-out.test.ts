import { describe, expect, it } from 'vitest';
import { SplitWindowBuilder, isHeldOutDocument } from '../../src/corpus/held-out';
import { WindowBuilder } from '../../src/store/windows';

const opts = { contextLength: 6, bosTokenId: 0, separatorTokenId: 0 };

describe('held-out split', () => {
  it('holds out about the share asked, deterministically per seed', () => {
    const n = 20000;
    for (const share of [0.02, 0.1, 0.5]) {
      let held = 0;
      for (let d = 0; d < n; d++) if (isHeldOutDocument(d, { share, seed: 3 })) held++;
      expect(Math.abs(held / n - share)).toBeLessThan(4 * Math.sqrt((share * (1 - share)) / n));
    }
    const a = Array.from({ length: 200 }, (_, d) => isHeldOutDocument(d, { share: 0.2, seed: 1 }));
    const b = Array.from({ length: 200 }, (_, d) => isHeldOutDocument(d, { share: 0.2, seed: 1 }));
    const c = Array.from({ length: 200 }, (_, d) => isHeldOutDocument(d, { share: 0.2, seed: 2 }));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(isHeldOutDocument(5, { share: 0, seed: 1 })).toBe(false);
  });

  it('packs each share on its own: no window mixes training and held-out documents', () => {
    const split = { share: 0.3, seed: 7 };
    const b = new SplitWindowBuilder(opts, split);
    const out = [];
    for (let d = 0; d < 60; d++) {
      out.push(...b.addTokens(d, Array.from({ length: 1 + (d % 5) }, (_, i) => 100 + d * 10 + i), 0));
      out.push(...b.endDocument(d));
    }
    out.push(...b.flush());
    expect(out.some((w) => w.heldOut)).toBe(true);
    for (const { window, heldOut } of out) {
      for (const doc of window.doc) if (doc >= 0) expect(isHeldOutDocument(doc, split)).toBe(heldOut);
    }
    // Every token of every document lands exactly once.
    const tokens = out.flatMap((w) => w.window.ids.filter((_, i) => w.window.offset[i] >= 0));
    expect(tokens.length).toBe(Array.from({ length: 60 }, (_, d) => 1 + (d % 5)).reduce((a, x) => a + x, 0));
  });

  it('with share 0 equals the plain packing', () => {
    const s = new SplitWindowBuilder(opts, { share: 0, seed: 0 });
    const p = new WindowBuilder(opts);
    const a = [], b = [];
    for (let d = 0; d < 10; d++) {
      a.push(...s.addTokens(d, [1, 2, 3], 0).map((w) => w.window), ...s.endDocument(d).map((w) => w.window));
      b.push(...p.addTokens(d, [1, 2, 3], 0), ...p.endDocument(d));
    }
    expect(a).toEqual(b);
  });
});
