// An SAE declares the TransformerLens settings of what it reads; the lab converts its own activations exactly
// (by folding the map into the SAE) or refuses. Checked against activations the lab's model computes under the
// SAE's own settings (themselves checked against the TransformerLens reference in tl-processing.test.ts): the
// pre-activations a plain loop computes from the adapted SAE on the lab's activations equal the SAE's on its own,
// and so do the reconstruction errors.
import { describe, expect, it } from 'vitest';
import { ModelSettingsError } from '../../src/core/errors';
import { HF_RAW, SAELENS_DEFAULTS, TL_FROM_PRETRAINED, type TlSettings, tlKwargs } from '../../src/core/tl-settings';
import { createGpt2Model } from '../../src/model/gpt2';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import type { SaeConfig, SaeWeights } from '../../src/sae/sae';
import { loadSaeLens, saveSaeLens } from '../../src/sae/saelens';
import { adaptSaeToSettings, saeTl, settingsProblem } from '../../src/sae/tl-adapt';
import { TINY_DIR, pseudoIds, pseudoVector } from '../helpers/checkpoints';
import { assertClose } from '../reference/compare';

const loaded = loadGpt2FromDir(TINY_DIR);
const ids = [8191, ...pseudoIds(11, 8192, 21)];

async function hookUnder(hook: string, tl: TlSettings): Promise<Float32Array> {
  const model = await createGpt2Model(loaded.weights, loaded.cfg, { backend: 'wasm', hooks: [hook], logits: 'none', tl });
  const out = await model.forward([ids]);
  await model.dispose();
  return out.hooks[hook].data; // [T, d] (hook_z flattened head-major)
}

function randomSae(hook: string, tl: TlSettings, applyBDec: boolean): { cfg: SaeConfig; weights: SaeWeights } {
  const d = 256;
  const n = 37;
  const cfg: SaeConfig = {
    architecture: 'standard',
    d_in: d,
    d_sae: n,
    dtype: 'float32',
    apply_b_dec_to_input: applyBDec,
    normalize_activations: 'none',
    hook_name: hook,
    model_name: 'tiny-gpt2',
    context_size: 32,
    prepend_bos: true,
    model_from_pretrained_kwargs: tlKwargs(tl),
  };
  const weights = { W_enc: pseudoVector(d * n, 1, 0.2), b_enc: pseudoVector(n, 2, 0.1), W_dec: pseudoVector(n * d, 3, 0.2), b_dec: pseudoVector(d, 4, 0.5) };
  return { cfg, weights };
}

/** Plain loops, independent of src/: pre = (x − b_dec·[apply])·W_enc + b_enc, x̂ = pre·W_dec + b_dec (no activation: linear maps are what is folded). */
function preActs(cfg: SaeConfig, w: SaeWeights, x: Float32Array): Float64Array {
  const { d_in: d, d_sae: n } = cfg;
  const T = x.length / d;
  const out = new Float64Array(T * n);
  for (let t = 0; t < T; t++)
    for (let j = 0; j < n; j++) {
      let acc = w.b_enc[j];
      for (let i = 0; i < d; i++) acc += (x[t * d + i] - (cfg.apply_b_dec_to_input ? w.b_dec[i] : 0)) * w.W_enc[i * n + j];
      out[t * n + j] = acc;
    }
  return out;
}
function decode(cfg: SaeConfig, w: SaeWeights, a: Float64Array): Float64Array {
  const { d_in: d, d_sae: n } = cfg;
  const T = a.length / n;
  const out = new Float64Array(T * d);
  for (let t = 0; t < T; t++)
    for (let i = 0; i < d; i++) {
      let acc = w.b_dec[i];
      for (let j = 0; j < n; j++) acc += a[t * n + j] * w.W_dec[j * d + i];
      out[t * d + i] = acc;
    }
  return out;
}
const minus = (a: ArrayLike<number>, b: ArrayLike<number>) => Float64Array.from({ length: a.length }, (_, i) => a[i] - b[i]);
const ctx = (from: TlSettings) => ({ from, fromLabel: 'run "test" stored it', model: { cfg: loaded.cfg, weights: loaded.weights } });

describe('an SAE read through other TransformerLens settings', () => {
  for (const applyBDec of [true, false]) {
    it(`centring: an SAE on centred resid_post encodes the raw stream exactly (apply_b_dec_to_input ${applyBDec})`, async () => {
      const hook = 'blocks.2.hook_resid_post';
      const sae = randomSae(hook, { ...SAELENS_DEFAULTS, center_writing_weights: true }, applyBDec);
      const [raw, centred] = [await hookUnder(hook, HF_RAW), await hookUnder(hook, { ...HF_RAW, center_writing_weights: true })];
      const adapted = adaptSaeToSettings(sae.cfg, sae.weights, ctx(HF_RAW));
      expect(adapted.W_dec).toBe(sae.weights.W_dec); // the decoder is kept: LayerNorms remove what it cannot restore
      assertClose('pre-activations', preActs(sae.cfg, adapted, raw), preActs(sae.cfg, sae.weights, centred), 1e-4);
    });

    it(`value bias: an SAE on TransformerLens' hook_z (fold_value_biases, fold_ln) reads the raw hook_z exactly (apply_b_dec_to_input ${applyBDec})`, async () => {
      const hook = 'blocks.1.attn.hook_z';
      const sae = randomSae(hook, TL_FROM_PRETRAINED, applyBDec);
      const [raw, tlZ] = [await hookUnder(hook, HF_RAW), await hookUnder(hook, TL_FROM_PRETRAINED)];
      const adapted = adaptSaeToSettings(sae.cfg, sae.weights, ctx(HF_RAW));
      const aRaw = preActs(sae.cfg, adapted, raw);
      assertClose('pre-activations', aRaw, preActs(sae.cfg, sae.weights, tlZ), 1e-4);
      // The reconstruction error is the same vector in both spaces (what splicing and clamping add back).
      assertClose('x̂ − x', minus(decode(sae.cfg, adapted, aRaw), raw), minus(decode(sae.cfg, sae.weights, aRaw), tlZ), 1e-4);
    });
  }

  for (const [from, want] of [
    [{ ...HF_RAW, fold_ln: true }, { ...SAELENS_DEFAULTS, fold_ln: false }],
    [{ ...HF_RAW, fold_ln: false }, { ...SAELENS_DEFAULTS, fold_ln: true }],
  ] as const) {
    it(`LayerNorm: hook_normalized ${from.fold_ln ? 'before' : 'after'} the affine serves an SAE that reads it ${want.fold_ln ? 'before' : 'after'}`, async () => {
      const hook = 'blocks.3.ln2.hook_normalized';
      const sae = randomSae(hook, want, true);
      const [mine, theirs] = [await hookUnder(hook, from), await hookUnder(hook, want)];
      const adapted = adaptSaeToSettings(sae.cfg, sae.weights, ctx(from));
      const a = preActs(sae.cfg, adapted, mine);
      assertClose('pre-activations', a, preActs(sae.cfg, sae.weights, theirs), 1e-4);
      // Decoded back into the lab's space: x̂ maps to x̂_sae by the same affine map as x to x_sae.
      const ln = loaded.weights.blocks[3];
      const xhat = decode(sae.cfg, adapted, a);
      const mapped = Float64Array.from(xhat, (v, k) => (want.fold_ln ? (v - ln.ln2B[k % 256]) / ln.ln2W[k % 256] : v * ln.ln2W[k % 256] + ln.ln2B[k % 256]));
      assertClose('x̂ in the SAE space', mapped, decode(sae.cfg, sae.weights, a), 1e-4);
    });
  }

  it('leaves an SAE alone where the settings do not change its hook, and refuses what cannot be converted', () => {
    const mlp = randomSae('blocks.1.mlp.hook_post', TL_FROM_PRETRAINED, true);
    expect(adaptSaeToSettings(mlp.cfg, mlp.weights, ctx(HF_RAW))).toBe(mlp.weights);
    const resid = randomSae('blocks.1.hook_resid_pre', SAELENS_DEFAULTS, true); // uncentred
    expect(adaptSaeToSettings(resid.cfg, resid.weights, ctx(HF_RAW))).toBe(resid.weights); // HF_RAW: uncentred too
    const centredRun = { ...SAELENS_DEFAULTS, center_writing_weights: true };
    expect(() => adaptSaeToSettings(resid.cfg, resid.weights, ctx(centredRun))).toThrow(ModelSettingsError);
    expect(() => adaptSaeToSettings(resid.cfg, resid.weights, ctx(centredRun))).toThrow(/run "test" stored it under .*center_writing_weights=true.*cannot be recovered; harvest a run with model settings/);
    expect(settingsProblem('blocks.1.hook_resid_pre', SAELENS_DEFAULTS, centredRun)).toMatch(/cannot be recovered/);
    expect(settingsProblem('blocks.1.hook_resid_pre', centredRun, SAELENS_DEFAULTS)).toBeNull(); // exact: centre it
    const z = randomSae('blocks.1.attn.hook_z', TL_FROM_PRETRAINED, true);
    expect(() => adaptSaeToSettings(z.cfg, z.weights, { ...ctx(HF_RAW), model: null })).toThrow(/needs the model's weights: load tiny-gpt2/);
  });
});

describe("cfg.json's model_from_pretrained_kwargs", () => {
  const files = (kwargs: unknown) => {
    const { cfg, weights } = randomSae('blocks.2.hook_resid_post', SAELENS_DEFAULTS, true);
    const saved = saveSaeLens(cfg, weights);
    const json = JSON.parse(saved['cfg.json']);
    if (kwargs === undefined) {
      delete json.model_from_pretrained_kwargs;
      delete json.metadata.model_from_pretrained_kwargs;
    } else {
      json.model_from_pretrained_kwargs = kwargs;
      json.metadata.model_from_pretrained_kwargs = kwargs;
    }
    return { cfgJson: json, weights: saved['sae_weights.safetensors'] };
  };

  it("is read with SAELens' defaults for absent keys, written in full, and refused when malformed", () => {
    expect(saeTl(loadSaeLens(files(undefined)).cfg)).toEqual(SAELENS_DEFAULTS);
    expect(saeTl(loadSaeLens(files({ center_writing_weights: true })).cfg)).toEqual({ ...SAELENS_DEFAULTS, center_writing_weights: true });
    const cfg = loadSaeLens(files({ fold_ln: false, refactor_factored_attn_matrices: false })).cfg;
    expect(saeTl(cfg)).toEqual({ ...SAELENS_DEFAULTS, fold_ln: false });
    const written = JSON.parse(saveSaeLens(cfg, randomSae('blocks.2.hook_resid_post', SAELENS_DEFAULTS, true).weights)['cfg.json']);
    expect(written.model_from_pretrained_kwargs).toEqual({ ...tlKwargs(SAELENS_DEFAULTS), fold_ln: false });
    expect(() => loadSaeLens(files({ fold_ln: 'yes' }))).toThrow(/fold_ln must be true or false/);
    expect(() => loadSaeLens(files({ refactor_factored_attn_matrices: true }))).toThrow(/not supported/);
    expect(() => loadSaeLens(files({ centre_everything: true }))).toThrow(/"centre_everything"/);
  });
});
