// Logit tables (src/analysis/logit-effects.ts) against the independent reference GPT-2 (tests/reference): a
// direction's effect equals the change of the final logits when σ times the direction is added to the last residual
// with ln_f's scale σ held fixed and its mean recomputed — computed here through LN and the unembedding, in float64.
import { describe, expect, it } from 'vitest';
import { logitEffect, topEffects } from '../../src/analysis/logit-effects';
import { TINY_DIR, pseudoVector, readCheckpoint } from '../helpers/checkpoints';

describe('logit effects of a direction', () => {
  it('equal ((v − mean v) ⊙ γ) · W_U computed from the checkpoint independently, and rank tokens by it', () => {
    const ckpt = readCheckpoint(TINY_DIR);
    const d = ckpt.config.n_embd;
    const V = ckpt.config.vocab_size;
    const tensor = (name: string) => Float32Array.from(ckpt.weights.get(name)?.data ?? ckpt.weights.get(`transformer.${name}`)!.data);
    const wte = tensor('wte.weight');
    const gamma = tensor('ln_f.weight');
    const v = pseudoVector(d, 7);
    const got = logitEffect(v, gamma, wte, d);
    expect(got.length).toBe(V);
    // Independent: logits of x + σ·v minus logits of x through the final norm y = γ ⊙ (x − μ(x))/σ, with σ frozen at
    // x's but the mean taken of whatever enters: the effect is per unit of σ, and centring is part of it.
    const x = pseudoVector(d, 3);
    const meanOf = (a: ArrayLike<number>) => Array.from(a).reduce((s, e) => s + e, 0) / d;
    const mu = meanOf(x);
    let varr = 0;
    for (const a of x) varr += (a - mu) ** 2 / d;
    const sigma = Math.sqrt(varr + 1e-5);
    const xv = Float64Array.from(x, (a, c) => a + sigma * v[c]); // [d]
    const muV = meanOf(xv);
    const logit = (r: ArrayLike<number>, m: number, t: number) => {
      let s = 0;
      for (let c = 0; c < d; c++) s += ((gamma[c] * (r[c] - m)) / sigma) * wte[t * d + c];
      return s;
    };
    let worst = 0;
    for (let t = 0; t < V; t += 97) {
      const want = logit(xv, muV, t) - logit(x, mu, t);
      worst = Math.max(worst, Math.abs(want - got[t]) / (1e-6 + Math.abs(got[t])));
    }
    expect(worst).toBeLessThan(1e-3);
    const top = topEffects(got, 10);
    expect(top.positive.map((e) => e.value)).toEqual([...top.positive.map((e) => e.value)].sort((p, q) => q - p));
    const max = got.reduce((m, a) => Math.max(m, a), -Infinity);
    const min = got.reduce((m, a) => Math.min(m, a), Infinity);
    expect(top.positive[0].value).toBe(max);
    expect(top.negative[0].value).toBe(min);
  });

  it('ignore the direction’s mean: a constant shift changes nothing, and a centred token embedding (γ = 1) promotes that token', () => {
    const d = 4;
    const wte = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, -1]);
    const ones = new Float32Array(4).fill(1);
    const dir = new Float32Array([0, 0, 1, 0.5]);
    // centred: [−0.375, −0.375, 0.625, 0.125] → effects [−0.375, −0.375, 0.625, −0.125]
    const e = topEffects(logitEffect(dir, ones, wte, d), 2);
    expect(e.positive.map((x) => x.id)).toEqual([2, 3]);
    expect(e.negative.map((x) => x.id)).toEqual([0, 1]); // ties go to the lower id
    expect(e.positive[0].value).toBeCloseTo(0.625, 6);
    const shifted = logitEffect(dir.map((a) => a + 3.5), ones, wte, d);
    Array.from(logitEffect(dir, ones, wte, d)).forEach((a, t) => expect(shifted[t]).toBeCloseTo(a, 6));
    expect(() => logitEffect(new Float32Array(3), new Float32Array(4), wte, d)).toThrow(/do not share d = 4/);
  });
});
