// Logit tables (src/analysis/logit-effects.ts) against the independent reference GPT-2 (tests/reference): a
// direction's effect equals the change of the final logits when the direction is added to the last residual and
// ln_f's normalisation is held fixed — computed here through the reference's own unembedding, in float64.
import { describe, expect, it } from 'vitest';
import { logitEffect, topEffects } from '../../src/analysis/logit-effects';
import { TINY_DIR, pseudoVector, readCheckpoint } from '../helpers/checkpoints';

describe('logit effects of a direction', () => {
  it('equal (v ⊙ γ) · W_U computed from the checkpoint independently, and rank tokens by it', () => {
    const ckpt = readCheckpoint(TINY_DIR);
    const d = ckpt.config.n_embd;
    const V = ckpt.config.vocab_size;
    const tensor = (name: string) => Float32Array.from(ckpt.weights.get(name)?.data ?? ckpt.weights.get(`transformer.${name}`)!.data);
    const wte = tensor('wte.weight');
    const gamma = tensor('ln_f.weight');
    const v = pseudoVector(d, 7);
    const got = logitEffect(v, gamma, wte, d);
    expect(got.length).toBe(V);
    // Independent: logits of x + v minus logits of x through a fixed-scale final norm, y = γ ⊙ (x − μ)/σ.
    const x = pseudoVector(d, 3);
    let mu = 0;
    for (const a of x) mu += a / d;
    let varr = 0;
    for (const a of x) varr += (a - mu) ** 2 / d;
    const sigma = Math.sqrt(varr + 1e-5);
    let worst = 0;
    for (let t = 0; t < V; t += 97) {
      let a = 0;
      let b = 0;
      for (let c = 0; c < d; c++) {
        a += (gamma[c] * (x[c] + v[c] * sigma - mu)) / sigma * wte[t * d + c];
        b += (gamma[c] * (x[c] - mu)) / sigma * wte[t * d + c];
      }
      worst = Math.max(worst, Math.abs(a - b - got[t]) / (1e-6 + Math.abs(got[t])));
    }
    expect(worst).toBeLessThan(1e-3);
    const top = topEffects(got, 10);
    expect(top.positive.map((e) => e.value)).toEqual([...top.positive.map((e) => e.value)].sort((p, q) => q - p));
    const max = got.reduce((m, a) => Math.max(m, a), -Infinity);
    const min = got.reduce((m, a) => Math.min(m, a), Infinity);
    expect(top.positive[0].value).toBe(max);
    expect(top.negative[0].value).toBe(min);
  });

  it('a direction equal to a token embedding (with γ = 1) promotes that token most among unit-norm rows', () => {
    const d = 4;
    const wte = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, -1]);
    const e = topEffects(logitEffect(new Float32Array([0, 0, 1, 0.5]), new Float32Array(4).fill(1), wte, d), 2);
    expect(e.positive.map((x) => x.id)).toEqual([2, 0]); // ties at 0 go to the lower id
    expect(e.negative.map((x) => x.id)).toEqual([3, 0]);
    expect(() => logitEffect(new Float32Array(3), new Float32Array(4), wte, d)).toThrow(/do not share d = 4/);
  });
});
