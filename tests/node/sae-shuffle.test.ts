// The GPU shuffle pool's slot draws (src/sae/train/gpu-shuffle.ts shuffleSlots): distinct, in range, seeded, and
// uniform — each pool row is drawn equally often over many draws (chi-square well under its 0.1% critical value).
import { describe, expect, it } from 'vitest';
import { shuffleSlots } from '../../src/sae/train/gpu-shuffle';

describe('shuffleSlots', () => {
  it('draws B distinct rows of [0, P), reproducibly from (seed, draw)', () => {
    for (const [P, B] of [[10, 10], [37, 11], [65536, 4096], [5, 0]]) {
      const s = shuffleSlots(P, B, 42, 3);
      expect(s.length).toBe(B);
      expect(new Set(s).size).toBe(B);
      expect(s.every((v) => v < P)).toBe(true);
      expect(Array.from(shuffleSlots(P, B, 42, 3))).toEqual(Array.from(s));
    }
    expect(Array.from(shuffleSlots(100, 10, 42, 4))).not.toEqual(Array.from(shuffleSlots(100, 10, 42, 3)));
    expect(Array.from(shuffleSlots(100, 10, 43, 3))).not.toEqual(Array.from(shuffleSlots(100, 10, 42, 3)));
    expect(() => shuffleSlots(4, 5, 0, 0)).toThrow(/cannot draw 5 distinct rows out of 4/);
  });

  it('draws every row equally often, whatever its position in the pool', () => {
    const P = 50;
    const B = 7;
    const draws = 20_000;
    const counts = new Float64Array(P);
    for (let t = 0; t < draws; t++) for (const s of shuffleSlots(P, B, 9, t)) counts[s]++;
    const expected = (draws * B) / P;
    const chi2 = counts.reduce((a, c) => a + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(85.4); // χ²(49 dof) at p = 0.001
  });
});
