// Steering with SAE features (src/model/steering.ts through generate): clamp keeps the SAE's error term (checked
// against decode(acts') + (x − x̂) computed with the plain SAE), clamping to the natural value changes nothing,
// ablation moves the output, and additive steering along a direction raises the logits of its top logit-effect
// tokens monotonically with strength. A layer_norm SAE (OpenAI v5) writes a_f·σ_t·W_dec[f] (σ_t the position's std):
// clamp and add checked against the float64 SAELens reference's decode with the error term kept.
import { beforeAll, describe, expect, it } from 'vitest';
import { logitEffect, topEffects } from '../../src/analysis/logit-effects';
import type { Gpt2Config } from '../../src/core/config';
import type { Gpt2Weights } from '../../src/core/weights';
import { type GeneratedToken, generate } from '../../src/model/generate';
import { type Gpt2Model, createGpt2Model } from '../../src/model/gpt2';
import { type FeatureSteer, additiveSteer, needsActivations, steerFor } from '../../src/model/steering';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { type SaeConfig, decode, encode, initSae } from '../../src/sae/sae';
import { TINY_DIR, pseudoIds, pseudoVector } from '../helpers/checkpoints';
import { refDecode, refEncode, refSaeOf } from '../reference/sae-reference';

const HOOK = 'blocks.2.hook_resid_post';
let cfg: Gpt2Config;
let weights: Gpt2Weights;
let model: Gpt2Model;
let sae: { cfg: SaeConfig; weights: ReturnType<typeof initSae> };
const prompt = () => [cfg.bosTokenId, ...pseudoIds(8, 8000, 11)];

beforeAll(async () => {
  ({ cfg, weights } = loadGpt2FromDir(TINY_DIR));
  model = await createGpt2Model(weights, cfg, { backend: 'wasm', kvCache: true, logits: 'last', steerAt: HOOK, hooks: [HOOK] });
  const saeCfg: SaeConfig = { architecture: 'topk', d_in: cfg.nEmbd, d_sae: 96, k: 8, dtype: 'float32', apply_b_dec_to_input: true, normalize_activations: 'none', hook_name: HOOK, model_name: 'tiny-gpt2', context_size: 256, prepend_bos: true };
  sae = { cfg: saeCfg, weights: initSae(saeCfg, 4) };
});

async function run(o: { steerFrom?: (x: Float32Array, T: number) => ReturnType<typeof steerFor> }): Promise<GeneratedToken[]> {
  const out: GeneratedToken[] = [];
  for await (const t of generate(model, prompt(), { temperature: 0.8, topK: 20, topP: 1, seed: 2, maxTokens: 6, eosTokenId: null, ...o })) out.push(t);
  return out;
}

async function hookActs(ids: number[]): Promise<Float32Array> {
  return (await model.forward([ids])).hooks[HOOK].data;
}

describe('SAE feature steering', () => {
  it('clamp sets the feature and keeps the error term: x + steer = decode(acts with a_f := c) + (x − x̂)', async () => {
    const ids = prompt();
    const T = ids.length;
    const x = await hookActs(ids);
    const { acts } = encode(sae.weights, sae.cfg, x, T);
    const f = Array.from({ length: sae.cfg.d_sae }, (_, j) => j).sort((a, b) => acts[b] - acts[a])[0]; // most active at position 0
    const steers: FeatureSteer[] = [{ feature: f, mode: 'clamp', value: 3.5 }];
    const steer = steerFor(sae, steers, x, T).data;
    const clamped = acts.slice();
    for (let t = 0; t < T; t++) clamped[t * sae.cfg.d_sae + f] = 3.5;
    const xhat = decode(sae.weights, acts, T);
    const xhat2 = decode(sae.weights, clamped, T);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] + steer[i] - (xhat2[i] + x[i] - xhat[i])));
    expect(worst).toBeLessThan(1e-4);
  });

  it('clamping to the natural value reproduces the unsteered output; ablating an active feature changes it', async () => {
    const plain = await run({});
    const ids = prompt();
    const x = await hookActs(ids);
    const { acts } = encode(sae.weights, sae.cfg, x, ids.length);
    const D = sae.cfg.d_sae;
    const never = Array.from({ length: D }, (_, j) => j).find((j) => Array.from({ length: ids.length }, (_, t) => acts[t * D + j]).every((a) => a === 0))!;
    // A feature at 0 everywhere in the prompt, clamped to 0 (its natural value there) and kept there while generating.
    const same = await run({ steerFrom: (h, T) => steerFor(sae, [{ feature: never, mode: 'clamp', value: 0 }], h, T) });
    expect(same.map((t) => t.id)).toEqual(plain.map((t) => t.id));
    // Clamping at the natural value is zero steer exactly when the feature is inactive; an active one is not.
    const active = Array.from({ length: D }, (_, j) => j).sort((a, b) => acts[(ids.length - 1) * D + b] - acts[(ids.length - 1) * D + a])[0];
    const ablated = await run({ steerFrom: (h, T) => steerFor(sae, [{ feature: active, mode: 'ablate', value: 0 }], h, T) });
    expect(ablated[0].logits).not.toEqual(plain[0].logits);
  });

  it('additive steering raises the top logit-effect tokens of its direction monotonically with strength', async () => {
    const dir = pseudoVector(cfg.nEmbd, 21);
    const norm = Math.hypot(...dir);
    for (let c = 0; c < dir.length; c++) dir[c] /= norm;
    const row = { ...sae, weights: { ...sae.weights, W_dec: dir } , cfg: { ...sae.cfg, d_sae: 1 } };
    const top = topEffects(logitEffect(dir, weights.lnFW, weights.wte, cfg.nEmbd), 5).positive.map((e) => e.id);
    const ids = prompt();
    const means: number[] = [];
    for (const alpha of [0, 2, 4, 8, 16, 32]) {
      const steer = additiveSteer(row, [{ feature: 0, mode: 'add', value: alpha }]);
      const logits = (await model.forward([ids], { steer })).logitsLast!.data;
      means.push(top.reduce((a, id) => a + logits[id], 0) / top.length);
    }
    for (let i = 1; i < means.length; i++) expect(means[i]).toBeGreaterThan(means[i - 1]);
  });

  describe('a layer_norm SAE', () => {
    const lnSae = () => {
      const c: SaeConfig = { ...sae.cfg, normalize_activations: 'layer_norm' };
      const w = initSae(c, 6);
      w.b_dec = Float32Array.from({ length: c.d_in }, (_, i) => 0.1 * Math.cos(i));
      return { cfg: c, weights: w };
    };

    it('clamp and add change the reconstruction as SAELens\' decode does: x + steer = decode(acts′) + (x − decode(acts))', async () => {
      const s = lnSae();
      const ids = prompt();
      const T = ids.length;
      const D = s.cfg.d_sae;
      const d = s.cfg.d_in;
      const x = await hookActs(ids);
      const ref = refEncode(refSaeOf(s), x, T);
      const f = Array.from({ length: D }, (_, j) => j).sort((a, b) => ref.acts[(T - 1) * D + b] - ref.acts[(T - 1) * D + a])[0];
      const g = (f + 1) % D;
      const steers: FeatureSteer[] = [{ feature: f, mode: 'clamp', value: 2.5 }, { feature: g, mode: 'add', value: 1.5 }];
      expect(needsActivations(s, [{ feature: g, mode: 'add', value: 1 }])).toBe(true); // σ_t per position
      expect(needsActivations(sae, [{ feature: g, mode: 'add', value: 1 }])).toBe(false);
      expect(() => additiveSteer(s, steers)).toThrow(/steerFor/);
      const steer = steerFor(s, steers, x, T).data;
      const changed = Float64Array.from(ref.acts);
      for (let t = 0; t < T; t++) {
        changed[t * D + f] = 2.5;
        changed[t * D + g] += 1.5;
      }
      const xhat = refDecode(refSaeOf(s), ref.acts, T, ref.stats);
      const xhat2 = refDecode(refSaeOf(s), changed, T, ref.stats);
      let worst = 0;
      let worstUnscaled = 0; // the steer a decoder without ln_out would give: (acts′ − acts)·W_dec
      let scale = 0;
      for (let i = 0; i < x.length; i++) {
        const t = Math.floor(i / d);
        const want = xhat2[i] - xhat[i];
        const unscaled = (changed[t * D + f] - ref.acts[t * D + f]) * s.weights.W_dec[f * d + (i % d)] + 1.5 * s.weights.W_dec[g * d + (i % d)];
        worst = Math.max(worst, Math.abs(x[i] + steer[i] - (xhat2[i] + x[i] - xhat[i])));
        worstUnscaled = Math.max(worstUnscaled, Math.abs(unscaled - want));
        scale = Math.max(scale, Math.abs(want));
      }
      console.log(
        `layer_norm clamp + add: max |x + steer − (decode(acts′) + error)| ${worst.toExponential(2)} (steer up to ${scale.toFixed(3)}, ` +
          `σ ${ref.stats!.std[T - 1].toFixed(3)} at the last position; without σ it would be off by ${worstUnscaled.toExponential(2)})`,
      );
      expect(worst).toBeLessThan(1e-5 * scale);
      expect(worstUnscaled).toBeGreaterThan(100 * 1e-5 * scale);
    });

    it('clamping an inactive feature to 0 while generating reproduces the unsteered output', async () => {
      const s = lnSae();
      const plain = await run({});
      const ids = prompt();
      const x = await hookActs(ids);
      const { acts } = encode(s.weights, s.cfg, x, ids.length);
      const D = s.cfg.d_sae;
      const never = Array.from({ length: D }, (_, j) => j).find((j) => Array.from({ length: ids.length }, (_, t) => acts[t * D + j]).every((a) => a === 0))!;
      const same = await run({ steerFrom: (h, T) => steerFor(s, [{ feature: never, mode: 'clamp', value: 0 }], h, T) });
      expect(same.map((t) => t.id)).toEqual(plain.map((t) => t.id));
      const added = await run({ steerFrom: (h, T) => steerFor(s, [{ feature: never, mode: 'add', value: 20 }], h, T) });
      expect(added[0].logits).not.toEqual(plain[0].logits);
    });
  });
});
