// Attribution of a prediction (src/analysis/attribution/), on the tiny model and on a random checkpoint of GPT-2
// small's shape, run by onnxruntime-web's wasm backend:
//   completeness   DLA of all features + SAE error + bias terms + the rest of the residual = the model's logit
//                  (≤ 1e-4 relative), at every kind of hook an SAE can read
//   gradients      activation × gradient of features at five kinds of hook vs central finite differences through the ONNX model, which
//                  adds ±ε·W_dec[f] at the hook of the last position only (its steer input); and the float64
//                  backward vs float64 finite differences of its own forward
//   neurons        per layer, Σ_i neuron DLA + b_out·u = the MLP output's DLA
//   interventions  ablating the top feature / neuron at the last position lowers the logit by ≈ a×g; adding 0 or
//                  scaling by 1 changes nothing; scaling by 0 is ablating
//   guards         no target → the top prediction; weights or a KV cache that are not the model's are refused
//   twin           the feature attribution's CPU twin vs a plain recomputation from the definitions
//   layer_norm     an OpenAI-v5-style SAE (normalize_activations "layer_norm": encodes LN(x), decodes σ·y + μ): complete
//                  at four kinds of hook; a×g vs central finite differences of the logit in the feature's activation,
//                  spliced through the float64 SAELens reference's decode with the error term kept (not the lab's
//                  formula); ablation moves the logit as a×g predicts
import { beforeAll, describe, expect, it } from 'vitest';
import type { Gpt2Config } from '../../src/core/config';
import type { Gpt2Weights } from '../../src/core/weights';
import { type Gpt2Model, createGpt2Model } from '../../src/model/gpt2';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { type Attribution, attributePrediction, attributionModelOptions, cpuFeatureAttributor, topByMagnitude } from '../../src/analysis/attribution/attribute';
import { readoutOf } from '../../src/analysis/attribution/decompose';
import { lastPositionGradients } from '../../src/analysis/attribution/last-position';
import { intervene } from '../../src/analysis/attribution/intervene';
import { type SaeConfig, initSae } from '../../src/sae/sae';
import { TINY_DIR, gpt2SmallCheckpoint, pseudoIds } from '../helpers/checkpoints';
import { refDecode, refEncode, refSaeOf } from '../reference/sae-reference';

const REL = 1e-4;

function saeFor(hook: string, dIn: number, dSae: number, seed: number, normalize: SaeConfig['normalize_activations'] = 'none') {
  const cfg: SaeConfig = {
    architecture: 'topk',
    d_in: dIn,
    d_sae: dSae,
    k: 16,
    dtype: 'float32',
    apply_b_dec_to_input: true,
    normalize_activations: normalize,
    hook_name: hook,
    model_name: 'test',
    context_size: 64,
    prepend_bos: true,
  };
  const weights = initSae(cfg, seed);
  // A non-zero b_dec and b_enc so every bias term is exercised.
  for (let c = 0; c < dIn; c++) weights.b_dec[c] = 0.05 * Math.sin(c);
  for (let j = 0; j < dSae; j++) weights.b_enc[j] = 0.01 * Math.cos(j);
  return { cfg, weights };
}

async function attribute(weights: Gpt2Weights, cfg: Gpt2Config, hook: string, ids: number[], dSae: number, normalize: SaeConfig['normalize_activations'] = 'none') {
  const dIn = hook.includes('mlp.hook_post') ? cfg.nInner : cfg.nEmbd;
  const sae = saeFor(hook, dIn, dSae, 3, normalize);
  const model = await createGpt2Model(weights, cfg, { backend: 'wasm', ...attributionModelOptions(hook, cfg) });
  const probe = await model.forward([ids]);
  const target = argmax(probe.logitsLast!.data);
  const a = await attributePrediction(model, weights, sae, ids, target, cpuFeatureAttributor(sae));
  return { a, sae, model, target };
}

function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

function expectComplete(a: Attribution) {
  const err = Math.abs(a.dlaSum - a.logit) / Math.max(1, Math.abs(a.logit));
  console.log(`${a.hook}: logit ${a.logit.toFixed(5)}, Σ DLA ${a.dlaSum.toFixed(5)}, rel err ${err.toExponential(2)}, float64 forward ${a.recomputedLogit.toFixed(5)}`);
  expect(err).toBeLessThanOrEqual(REL);
  expect(Math.abs(a.recomputedLogit - a.logit) / Math.max(1, Math.abs(a.logit))).toBeLessThanOrEqual(REL);
}

/** logit[target] with v [dim] added at the steered hook of the last position only. */
async function logitWith(model: Gpt2Model, ids: number[], target: number, v: Float32Array): Promise<number> {
  const T = ids.length;
  const dim = v.length;
  const steer = new Float32Array(T * dim);
  steer.set(v, (T - 1) * dim);
  const out = await model.forward([ids], { steer: { data: steer, shape: [1, T, dim] } });
  return out.logitsLast!.data[target];
}

describe('attribution on the tiny model', () => {
  let weights: Gpt2Weights;
  let cfg: Gpt2Config;
  let ids: number[];
  beforeAll(() => {
    const loaded = loadGpt2FromDir(TINY_DIR);
    weights = loaded.weights;
    cfg = loaded.cfg;
    ids = [cfg.bosTokenId, ...loaded.tokenizer.encode('Call me Ishmael. Some years ago, never mind how long precisely, having little')];
  });

  for (const hook of ['blocks.2.hook_resid_post', 'blocks.1.mlp.hook_post', 'blocks.1.hook_attn_out', 'blocks.0.hook_resid_pre', 'blocks.3.hook_resid_mid', 'blocks.2.hook_mlp_out']) {
    it(`is complete at ${hook}`, async () => {
      const { a, model } = await attribute(weights, cfg, hook, ids, 512);
      expectComplete(a);
      expect(a.terms.find((t) => t.kind === 'features')!.dla).not.toBe(0);
      await model.dispose();
    });
  }

  for (const hook of ['blocks.1.hook_resid_post', 'blocks.1.mlp.hook_post', 'blocks.1.hook_attn_out', 'blocks.3.hook_resid_mid', 'blocks.0.hook_resid_pre']) {
    it(`activation × gradient of features at ${hook} equals finite differences through the ONNX model`, async () => {
      const { a, sae, model, target } = await attribute(weights, cfg, hook, ids, 512);
      const dIn = sae.cfg.d_in;
      const picks = topByMagnitude(a.features.grad, 3);
      expect(picks.length).toBe(3);
      for (const f of picks) {
        const act = a.features.acts[f];
        const eps = 0.05 * act; // a 5% change of the feature's activation
        const row = sae.weights.W_dec.subarray(f * dIn, (f + 1) * dIn);
        const plus = await logitWith(model, ids, target, row.map((v) => v * eps));
        const minus = await logitWith(model, ids, target, row.map((v) => -v * eps));
        const fd = (act * (plus - minus)) / (2 * eps);
        const ag = a.features.grad[f];
        console.log(`${hook} feature ${f}: a ${act.toFixed(4)}, a×g ${ag.toFixed(6)}, finite difference ${fd.toFixed(6)}, DLA ${a.features.dla[f].toFixed(6)}`);
        expect(Math.abs(fd - ag)).toBeLessThanOrEqual(2e-2 * Math.abs(ag) + 2e-4);
      }
      await model.dispose();
    });
  }

  it('attributes the top prediction when no target is given, and refuses gradients that are not the model’s', async () => {
    const hook = 'blocks.2.hook_resid_post';
    const { a, sae, model, target } = await attribute(weights, cfg, hook, ids, 64);
    const top = await attributePrediction(model, weights, sae, ids, null, cpuFeatureAttributor(sae));
    expect(top.target).toBe(target);
    expect(top.logit).toBe(a.logit);
    // Weights that are not the model's: the float64 forward no longer reproduces its logit.
    const other = { ...weights, lnFB: weights.lnFB.map((b) => b + 0.5) };
    await expect(attributePrediction(model, other, sae, ids, target, cpuFeatureAttributor(sae))).rejects.toThrow(/float64 forward gives logit/);
    const out = await model.forwardWithCache([ids], null);
    const kv = await out.present.toHost();
    out.present.dispose();
    expect(() => lastPositionGradients(weights, cfg, new Float32Array(cfg.nEmbd), { keys: kv.keys, values: kv.values, length: ids.length + 1 }, target)).toThrow(/KV cache does not hold/);
    await model.dispose();
  });

  it('the float64 backward matches float64 finite differences of its own forward', async () => {
    const hook = 'blocks.0.hook_resid_pre';
    const { model, target } = await attribute(weights, cfg, hook, ids, 64);
    const out = await model.forwardWithCache([ids], null);
    const kv = await out.present.toHost();
    const T = ids.length;
    const d = cfg.nEmbd;
    const r0 = out.hooks[hook].data.slice((T - 1) * d, T * d);
    const prefix = { keys: kv.keys, values: kv.values, length: T };
    const g = lastPositionGradients(weights, cfg, r0, prefix, target);
    // Along three pseudo-random directions: (f(r + h·v) − f(r − h·v)) / 2h vs g·v.
    for (const seed of [1, 2, 3]) {
      const v = pseudoDir(d, seed);
      const h = 1e-5; // float64: truncation ~h², rounding ~1e-16/h
      const fp = lastPositionGradients(weights, cfg, Float64Array.from(r0, (x, c) => x + h * v[c]), prefix, target).logit;
      const fm = lastPositionGradients(weights, cfg, Float64Array.from(r0, (x, c) => x - h * v[c]), prefix, target).logit;
      const fd = (fp - fm) / (2 * h);
      let gv = 0;
      for (let c = 0; c < d; c++) gv += g.residPre[0][c] * v[c];
      console.log(`direction ${seed}: g·v ${gv.toFixed(8)}, finite difference ${fd.toFixed(8)}`);
      expect(Math.abs(fd - gv)).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(gv)));
    }
    out.present.dispose();
    await model.dispose();
  });

  it("neurons' direct attributions add up to their MLP output's", async () => {
    const hook = 'blocks.0.hook_resid_post';
    const { a, model } = await attribute(weights, cfg, hook, ids, 64);
    const T = ids.length;
    const d = cfg.nEmbd;
    const final = (await model.forward([ids])).hooks[`blocks.${cfg.nLayer - 1}.hook_resid_post`].data.slice((T - 1) * d, T * d);
    const { u } = readoutOf(weights, cfg, a.target, final);
    for (let l = 1; l < cfg.nLayer; l++) {
      const term = a.terms.find((t) => t.name === `blocks.${l}.hook_mlp_out`)!;
      let s = 0;
      for (let i = 0; i < cfg.nInner; i++) s += a.neurons.dla[l * cfg.nInner + i];
      const b = weights.blocks[l].mlpProjB;
      for (let c = 0; c < d; c++) s += b[c] * u[c];
      console.log(`layer ${l}: Σ neurons + b_out ${s.toFixed(6)}, mlp_out DLA ${term.dla.toFixed(6)}`);
      expect(Math.abs(s - term.dla)).toBeLessThanOrEqual(REL * Math.max(1, Math.abs(term.dla)));
    }
    await model.dispose();
  });

  it('ablating the top feature or neuron at the last position moves the logit as activation × gradient predicts', async () => {
    const hook = 'blocks.2.hook_resid_post';
    const { a, sae, model, target } = await attribute(weights, cfg, hook, ids, 512);
    const f = topByMagnitude(a.features.grad.map((g) => Math.max(g, 0)), 1)[0];
    const ablated = await intervene(model, ids, target, { unit: { kind: 'feature', feature: f }, mode: 'ablate', positions: 'last' }, sae);
    expect(ablated.before).toBeCloseTo(a.logit, 5);
    expect(ablated.activation).toBeCloseTo(a.features.acts[f], 5);
    const moved = ablated.after - ablated.before;
    console.log(`ablate feature ${f}: logit ${ablated.before.toFixed(4)} → ${ablated.after.toFixed(4)} (Δ ${moved.toFixed(4)}; −a×g ${(-a.features.grad[f]).toFixed(4)})`);
    expect(moved).toBeLessThan(0);
    expect(Math.abs(moved + a.features.grad[f])).toBeLessThanOrEqual(0.5 * a.features.grad[f]);
    const zero = await intervene(model, ids, target, { unit: { kind: 'feature', feature: f }, mode: 'add', value: 0, positions: 'all' }, sae);
    expect(Array.from(zero.logitsAfter)).toEqual(Array.from(zero.logitsBefore));
    const same = await intervene(model, ids, target, { unit: { kind: 'feature', feature: f }, mode: 'scale', value: 1, positions: 'all' }, sae);
    expect(Array.from(same.logitsAfter)).toEqual(Array.from(same.logitsBefore));
    const scaledToZero = await intervene(model, ids, target, { unit: { kind: 'feature', feature: f }, mode: 'scale', value: 0, positions: 'all' }, sae);
    const ablatedAll = await intervene(model, ids, target, { unit: { kind: 'feature', feature: f }, mode: 'ablate', positions: 'all' }, sae);
    expect(scaledToZero.after).toBe(ablatedAll.after);
    await model.dispose();

    const n = topByMagnitude(a.neurons.grad.map((g) => Math.max(g, 0)), 1)[0];
    const layer = Math.floor(n / cfg.nInner);
    const neuronModel = await createGpt2Model(weights, cfg, { backend: 'wasm', steerAt: `blocks.${layer}.mlp.hook_post`, hooks: [`blocks.${layer}.mlp.hook_post`], logits: 'last' });
    const nAbl = await intervene(neuronModel, ids, target, { unit: { kind: 'neuron', layer, neuron: n % cfg.nInner }, mode: 'ablate', positions: 'last' }, null);
    const nMoved = nAbl.after - nAbl.before;
    console.log(`ablate neuron ${layer}.${n % cfg.nInner}: Δ ${nMoved.toFixed(4)}; −a×g ${(-a.neurons.grad[n]).toFixed(4)}`);
    expect(nAbl.activation).toBeCloseTo(a.neurons.acts[n], 5);
    expect(nMoved).toBeLessThan(0);
    expect(Math.abs(nMoved + a.neurons.grad[n])).toBeLessThanOrEqual(0.5 * a.neurons.grad[n]);
    await neuronModel.dispose();
  });

  it('the CPU twin of feature_attribution equals a recomputation from the definitions', () => {
    const sae = saeFor('blocks.1.hook_resid_post', 48, 37, 9);
    const x = Float32Array.from({ length: 48 }, (_, i) => Math.sin(i * 1.3) * 3);
    const dirs = Float32Array.from({ length: 96 }, (_, i) => Math.cos(i * 0.7));
    return cpuFeatureAttributor(sae).attribute(x, dirs).then(({ acts, out }) => {
      let active = 0;
      for (let f = 0; f < 37; f++) {
        let s0 = 0;
        let s1 = 0;
        for (let c = 0; c < 48; c++) {
          s0 += sae.weights.W_dec[f * 48 + c] * dirs[c];
          s1 += sae.weights.W_dec[f * 48 + c] * dirs[48 + c];
        }
        if (acts[f] !== 0) active++;
        expect(out[f]).toBeCloseTo(acts[f] * s0, 5);
        expect(out[37 + f]).toBeCloseTo(acts[f] * s1, 5);
      }
      expect(active).toBe(16);
    });
  });
});

describe('attribution with a layer_norm SAE (OpenAI v5 style) on the tiny model', () => {
  let weights: Gpt2Weights;
  let cfg: Gpt2Config;
  let ids: number[];
  beforeAll(() => {
    const loaded = loadGpt2FromDir(TINY_DIR);
    weights = loaded.weights;
    cfg = loaded.cfg;
    ids = [cfg.bosTokenId, ...loaded.tokenizer.encode('Call me Ishmael. Some years ago, never mind how long precisely, having little')];
  });

  for (const hook of ['blocks.2.hook_resid_post', 'blocks.1.mlp.hook_post', 'blocks.1.hook_attn_out', 'blocks.3.hook_resid_mid']) {
    it(`is complete, and a×g equals finite differences through the reference decode, at ${hook}`, async () => {
      const { a, sae, model, target } = await attribute(weights, cfg, hook, ids, 512, 'layer_norm');
      expectComplete(a);
      expect(a.terms.map((t) => t.name)).toContain('SAE layer_norm mean (μ·1)');
      const dIn = sae.cfg.d_in;
      const T = ids.length;
      const x = (await model.forward([ids])).hooks[hook].data.slice((T - 1) * dIn, T * dIn); // [d_in] at the last position
      const ref = refSaeOf(sae);
      const e = refEncode(ref, x, 1);
      const base = refDecode(ref, e.acts, 1, e.stats);
      // logit with a_f moved by δ: the hook carries decode(a + δ·e_f) + (x − decode(a)), the SAE's error term kept.
      const logitAt = (f: number, delta: number) => {
        const moved = Float64Array.from(e.acts);
        moved[f] += delta;
        const out = refDecode(ref, moved, 1, e.stats);
        return logitWith(model, ids, target, Float32Array.from(out, (v, c) => v - base[c]));
      };
      const picks = topByMagnitude(a.features.grad, 3);
      expect(picks.length).toBe(3);
      for (const f of picks) {
        const act = a.features.acts[f];
        expect(act).toBeCloseTo(e.acts[f], 4);
        const eps = 0.05 * act;
        const fd = (act * ((await logitAt(f, eps)) - (await logitAt(f, -eps)))) / (2 * eps);
        const ag = a.features.grad[f];
        console.log(`layer_norm ${hook} feature ${f}: a ${act.toFixed(4)}, σ ${e.stats!.std[0].toFixed(4)}, a×g ${ag.toFixed(6)}, finite difference ${fd.toFixed(6)}, DLA ${a.features.dla[f].toFixed(6)}`);
        expect(Math.abs(fd - ag)).toBeLessThanOrEqual(2e-2 * Math.abs(ag) + 2e-4);
      }
      await model.dispose();
    });
  }

  it('ablating the top feature at the last position moves the logit as a×g predicts', async () => {
    const hook = 'blocks.2.hook_resid_post';
    const { a, sae, model, target } = await attribute(weights, cfg, hook, ids, 512, 'layer_norm');
    const f = topByMagnitude(a.features.grad.map((g) => Math.max(g, 0)), 1)[0];
    const ablated = await intervene(model, ids, target, { unit: { kind: 'feature', feature: f }, mode: 'ablate', positions: 'last' }, sae);
    const moved = ablated.after - ablated.before;
    console.log(`layer_norm ablate feature ${f}: Δ ${moved.toFixed(4)}; −a×g ${(-a.features.grad[f]).toFixed(4)}`);
    expect(ablated.activation).toBeCloseTo(a.features.acts[f], 5);
    expect(moved).toBeLessThan(0);
    expect(Math.abs(moved + a.features.grad[f])).toBeLessThanOrEqual(0.5 * a.features.grad[f]);
    await model.dispose();
  });
});

describe('attribution on a random checkpoint of GPT-2 small’s shape', () => {
  it('is complete at blocks.6.hook_resid_post and its gradient matches finite differences', async () => {
    const loaded = loadGpt2FromDir(gpt2SmallCheckpoint());
    const ids = pseudoIds(24, loaded.cfg.vocabSize, 11);
    const { a, sae, model, target } = await attribute(loaded.weights, loaded.cfg, 'blocks.6.hook_resid_post', ids, 1536);
    expectComplete(a);
    const f = topByMagnitude(a.features.grad, 1)[0];
    const dIn = sae.cfg.d_in;
    const act = a.features.acts[f];
    const eps = 0.05 * act;
    const row = sae.weights.W_dec.subarray(f * dIn, (f + 1) * dIn);
    const fd = (act * ((await logitWith(model, ids, target, row.map((v) => v * eps))) - (await logitWith(model, ids, target, row.map((v) => -v * eps))))) / (2 * eps);
    console.log(`GPT-2 small shape, feature ${f}: a×g ${a.features.grad[f].toFixed(6)}, finite difference ${fd.toFixed(6)}`);
    expect(Math.abs(fd - a.features.grad[f])).toBeLessThanOrEqual(2e-2 * Math.abs(a.features.grad[f]) + 2e-4);
    await model.dispose();
  }, 300_000);
});

function pseudoDir(d: number, seed: number): Float64Array {
  const v = new Float64Array(d);
  let s = seed * 2654435761;
  for (let c = 0; c < d; c++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    v[c] = s / 2147483648 - 0.5;
  }
  return v;
}
