// Neuron pages' logic (src/analysis/neurons.ts): the statistics pass with the identity as encoder must equal the
// feature pass of a ReLU SAE whose encoder is the identity, and rank each unit's stored values as a plain sort
// does; output directions per hook kind; decoder loadings against a brute-force scan.
import { describe, expect, it } from 'vitest';
import { featureStatsCpu, slotList, unitStatsCpu } from '../../src/analysis/feature-pass';
import { logitEffect } from '../../src/analysis/logit-effects';
import { decoderNormsSq, featuresOnUnit, identityActs, outputDirection, residualDirection, unitColumn, unitsOfFeature } from '../../src/analysis/neurons';
import type { Gpt2Weights } from '../../src/core/weights';
import type { SaeConfig, SaeWeights } from '../../src/sae/sae';
import { gaussian, mulberry32 } from '../../src/sae/train/rng';

const dim = 13;
const N = 210;
const opts = { topN: 6, nBins: 5, nBands: 3, bandSize: 4 };

const normal = gaussian(mulberry32(11));
const x = Float32Array.from({ length: N * dim }, () => normal()); // [N, dim]
// Unit 4 is never positive: a unit that never "fires".
for (let r = 0; r < N; r++) x[r * dim + 4] = -Math.abs(x[r * dim + 4]);

const batches = (B: number) => async function* () {
  for (let r = 0; r < N; r += B) yield { rows: x.slice(r * dim, Math.min(N, r + B) * dim), firstRow: r };
};

describe('neuron statistics', () => {
  it('equal the feature pass of an identity ReLU SAE, whatever the batch size', async () => {
    const s = await unitStatsCpu({ dIn: dim, units: dim }, batches(64), identityActs, opts);
    const cfg: SaeConfig = { architecture: 'standard', d_in: dim, d_sae: dim, dtype: 'float32', apply_b_dec_to_input: true, normalize_activations: 'none', hook_name: 'blocks.0.mlp.hook_post', model_name: 'toy', context_size: 16, prepend_bos: true };
    const eye = new Float32Array(dim * dim);
    for (let i = 0; i < dim; i++) eye[i * dim + i] = 1;
    const weights: SaeWeights = { W_enc: eye, b_enc: new Float32Array(dim), W_dec: eye.slice(), b_dec: new Float32Array(dim) };
    const ref = await featureStatsCpu({ cfg, weights }, batches(37), opts);
    expect(s.dSae).toBe(dim);
    for (const k of ['count', 'maxAct', 'hist', 'bandCount'] as const) expect(Array.from(s[k])).toEqual(Array.from(ref[k]));
    expect(Array.from(s.top.rows)).toEqual(Array.from(ref.top.rows));
    expect(Array.from(s.bands.rows)).toEqual(Array.from(ref.bands.rows));
    expect(s.count[4]).toBe(0);
  });

  it('rank each unit’s positive stored values as a plain sort does', async () => {
    const s = await unitStatsCpu({ dIn: dim, units: dim }, batches(50), identityActs, opts);
    for (let i = 0; i < dim; i++) {
      const col = Array.from({ length: N }, (_, r) => ({ row: r, act: x[r * dim + i] })).filter((e) => e.act > 0);
      expect(s.count[i]).toBe(col.length);
      const want = col.sort((a, b) => b.act - a.act || a.row - b.row).slice(0, opts.topN);
      expect(slotList(s.top.rows, s.top.acts, i * opts.topN, opts.topN)).toEqual(want);
    }
    expect(Array.from(unitColumn(dim, 7)(x, 3))).toEqual([x[7], x[dim + 7], x[2 * dim + 7]]);
  });
});

describe('output directions', () => {
  const d = 4;
  const inner = 8;
  const vocab = 9;
  const f32 = (n: number) => Float32Array.from({ length: n }, () => normal());
  const block = () => ({ mlpProjW: f32(inner * d) }) as unknown as Gpt2Weights['blocks'][number];
  const weights = { wte: f32(vocab * d), wpe: f32(3 * d), blocks: [block(), block()], lnFW: f32(d), lnFB: f32(d) } as Gpt2Weights;

  it('an MLP neuron writes its c_proj row; a residual dimension its basis vector; a pre-GELU unit none', () => {
    const n = outputDirection(weights, 'blocks.1.mlp.hook_post', 5);
    expect(n.dir && Array.from(n.dir)).toEqual(Array.from(weights.blocks[1].mlpProjW.subarray(5 * d, 6 * d)));
    for (const hook of ['blocks.0.hook_resid_post', 'blocks.1.hook_attn_out', 'hook_embed', 'ln_final.hook_normalized']) {
      const r = outputDirection(weights, hook, 2);
      expect(r.dir && Array.from(r.dir)).toEqual([0, 0, 1, 0]);
    }
    const pre = outputDirection(weights, 'blocks.0.mlp.hook_pre', 1);
    expect(pre.dir).toBeNull();
    expect(pre.dir === null && pre.note).toMatch(/GELU/);
    expect(outputDirection(weights, 'blocks.0.mlp.hook_post', inner).dir).toBeNull();
  });

  it('a decoder row writes itself from a residual hook, v · W_out from an MLP’s post-GELU units', () => {
    const v = f32(inner);
    const r = residualDirection(weights, 'blocks.1.mlp.hook_post', v);
    const w = weights.blocks[1].mlpProjW;
    const want = Array.from({ length: d }, (_, c) => v.reduce((a, x, i) => a + x * w[i * d + c], 0));
    expect(r.dir).not.toBeNull();
    Array.from(r.dir!).forEach((x, c) => expect(x).toBeCloseTo(want[c], 5));
    const u = f32(d);
    expect(residualDirection(weights, 'blocks.0.hook_resid_pre', u).dir).toBe(u);
    expect(residualDirection(weights, 'blocks.0.mlp.hook_pre', v).dir).toBeNull();
    expect(residualDirection(weights, 'blocks.0.hook_resid_pre', v).dir).toBeNull(); // wrong width
  });

  it('the neuron’s logit effect is Σ_c (W_out[i, c] − mean W_out[i]) γ_c W_U[c, t]', () => {
    const i = 3;
    const dir = outputDirection(weights, 'blocks.0.mlp.hook_post', i).dir!;
    const effect = logitEffect(dir, weights.lnFW, weights.wte, d);
    const row = Array.from(weights.blocks[0].mlpProjW.subarray(i * d, (i + 1) * d));
    const mean = row.reduce((a, x) => a + x, 0) / d;
    expect(Math.abs(mean)).toBeGreaterThan(1e-3); // else centring would go untested
    for (let t = 0; t < vocab; t++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += (row[c] - mean) * weights.lnFW[c] * weights.wte[t * d + c];
      expect(effect[t]).toBeCloseTo(s, 5);
    }
  });
});

describe('decoder loadings', () => {
  // W_dec [3 features, 4 units]
  const wDec = Float32Array.from([
    [0.1, -0.9, 0.3, 0.0],
    [0.5, 0.5, -0.5, 0.5],
    [0.0, 0.2, 0.0, -0.1],
  ].flat());

  it('features on a unit: largest |W_dec[f, i]| first, signed, with the squared fraction of the row', () => {
    const on1 = featuresOnUnit(wDec, 4, 1, 3);
    expect(on1.map((l) => l.index)).toEqual([0, 1, 2]);
    expect(on1[0].value).toBeCloseTo(-0.9, 6);
    expect(on1[0].fraction).toBeCloseTo(0.81 / (0.01 + 0.81 + 0.09), 6);
    expect(on1[1].fraction).toBeCloseTo(0.25, 6);
    expect(on1[2].fraction).toBeCloseTo(0.04 / 0.05, 6);
    expect(featuresOnUnit(wDec, 4, 3, 1).map((l) => l.index)).toEqual([1]);
    const norms = decoderNormsSq(wDec, 4);
    Array.from(norms).forEach((n, f) => expect(n).toBeCloseTo([0.91, 1, 0.05][f], 6));
    expect(featuresOnUnit(wDec, 4, 1, 3, norms)).toEqual(on1);
    expect(() => featuresOnUnit(wDec, 4, 1, 3, norms.subarray(1))).toThrow(/2 row norms for 3 decoder rows/);
  });

  it('units of a feature: its row’s largest |entries|, ties by index', () => {
    expect(unitsOfFeature(wDec, 4, 0, 2).map((l) => [l.index, l.value])).toEqual([[1, Math.fround(-0.9)], [2, Math.fround(0.3)]]);
    expect(unitsOfFeature(wDec, 4, 1, 4).map((l) => l.index)).toEqual([0, 1, 2, 3]);
    const all = unitsOfFeature(wDec, 4, 2, 4);
    expect(all.reduce((a, l) => a + l.fraction, 0)).toBeCloseTo(1, 6);
  });
});
