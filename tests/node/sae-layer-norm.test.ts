// SAELens' run-time normalize_activations "layer_norm" (OpenAI's v5 SAEs, src/sae/layer-norm.ts) against the float64
// reference of tests/reference/sae-reference.ts, which follows SAELens' formulas and shares no code with src/:
//   normalisation   layerNormIn / layerNormOut vs the reference (unbiased std + 1e-5 in, y·std + mu out), a hand
//                   example, a constant row, and d = 1 refused
//   encode/decode   topk, standard, jumprelu SAEs with layer_norm at awkward sizes (d_in 37, d_sae 101, 13 rows, rows
//                   with large offsets and scales): pre-activations, the same latents, activations, x̂ scaled back
//   cfg.json        saved as "layer_norm" (flat and nested), loaded back to the same config and encodings; a SAELens 6
//                   file with the mode in its top level; an input scale refused; other run-time modes still refused
//   statistics      the CPU pass (plain loops, and onnxruntime's encoder) gives the reference's activations: counts,
//                   maxima, top rows
import { describe, expect, it } from 'vitest';
import { featureStatsCpu } from '../../src/analysis/feature-pass';
import { createOnnxEncoder } from '../../src/analysis/onnx-encoder';
import { LayerNormError, layerNormIn, layerNormOut } from '../../src/sae/layer-norm';
import { type SaeConfig, SaeConfigError, type SaeWeights, decode, encode, encoderInput, initSae, reconstruct, validateSaeConfig } from '../../src/sae/sae';
import { loadSaeLens, parseSaeLensCfg, saveSaeLens } from '../../src/sae/saelens';
import { gaussian, mulberry32 } from '../../src/sae/train/rng';
import { assertClose, assertExact } from '../reference/compare';
import { refDecode, refEncode, refLayerNormIn, refSaeOf } from '../reference/sae-reference';

const D_IN = 37;
const D_SAE = 101;
const N = 13;

function lnSae(architecture: 'topk' | 'standard' | 'jumprelu', seed: number, over: Partial<SaeConfig> = {}): { cfg: SaeConfig; weights: SaeWeights } {
  const cfg: SaeConfig = {
    architecture,
    d_in: D_IN,
    d_sae: D_SAE,
    ...(architecture === 'topk' ? { k: 9 } : {}),
    dtype: 'float32',
    apply_b_dec_to_input: true,
    normalize_activations: 'layer_norm',
    hook_name: 'blocks.3.hook_resid_post',
    model_name: 'gpt2-small',
    context_size: 64,
    prepend_bos: false,
    ...over,
  };
  const weights = initSae(cfg, seed);
  const normal = gaussian(mulberry32(seed + 100));
  weights.b_dec = Float32Array.from({ length: cfg.d_in }, () => 0.2 * normal());
  weights.b_enc = Float32Array.from({ length: cfg.d_sae }, () => 0.1 * normal() - (architecture === 'topk' ? 0 : 0.3));
  if (architecture === 'jumprelu') weights.threshold = Float32Array.from({ length: cfg.d_sae }, () => Math.abs(0.15 * normal()));
  return { cfg, weights };
}

/** Rows far from normalised: each its own offset (up to ±60) and scale (0.05 … 40), as residual streams are. */
function rows(n: number, d: number, seed: number): Float32Array {
  const normal = gaussian(mulberry32(seed));
  const x = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    const off = 60 * (2 * ((r * 0.61803) % 1) - 1);
    const scale = 0.05 * 800 ** ((r * 0.377) % 1);
    for (let c = 0; c < d; c++) x[r * d + c] = off + scale * normal();
  }
  return x;
}

const nonZero = (a: ArrayLike<number>) => Array.from(a, (v, i) => (v !== 0 ? i : -1)).filter((i) => i >= 0);

describe('layer_norm normalisation', () => {
  it('is SAELens\' formula: a hand example (unbiased std + 1e-5 in, y·std + mu out)', () => {
    const x = Float32Array.from([1, 2, 3, 4, 10, -1, -1, -1, -1, 3]);
    const { x: xn, stats } = layerNormIn(x, 2, 5);
    const sd = Math.sqrt((9 + 4 + 1 + 0 + 36) / 4); // row 0: mean 4
    expect(stats.mu[0]).toBe(4);
    expect(stats.std[0]).toBeCloseTo(sd, 14);
    expect(stats.mu[1]).toBeCloseTo(-0.2, 14);
    expect(xn[4]).toBe(Math.fround(6 / (sd + 1e-5)));
    const back = layerNormOut(xn, 2, 5, stats);
    for (let i = 0; i < x.length; i++) expect(back[i]).toBeCloseTo(x[i], 4); // off by x·ε/σ: ε is in only one direction
  });

  it('equals the float64 reference at an awkward size, rows of any offset and scale', () => {
    const x = rows(N, D_IN, 1);
    const got = layerNormIn(x, N, D_IN);
    const ref = refLayerNormIn(x, N, D_IN);
    assertClose('LN in', got.x, ref.x, 1e-7);
    assertClose('mu', got.stats.mu, ref.stats.mu, 1e-12);
    assertClose('std', got.stats.std, ref.stats.std, 1e-12);
    const y = Float32Array.from({ length: N * D_IN }, (_, i) => Math.sin(i));
    const want = Float64Array.from(y, (v, i) => v * ref.stats.std[Math.floor(i / D_IN)] + ref.stats.mu[Math.floor(i / D_IN)]);
    assertClose('LN out', layerNormOut(y, N, D_IN, got.stats), want, 1e-7);
  });

  it('a constant row normalises to 0 and comes back as its mean; d = 1 is refused', () => {
    const { x, stats } = layerNormIn(Float32Array.from([3, 3, 3]), 1, 3);
    expect(Array.from(x)).toEqual([0, 0, 0]);
    expect(Array.from(layerNormOut(Float32Array.from([5, -2, 1]), 1, 3, stats))).toEqual([3, 3, 3]);
    expect(() => layerNormIn(Float32Array.of(1), 1, 1)).toThrow(LayerNormError);
    expect(() => validateSaeConfig({ ...lnSae('standard', 1).cfg, d_in: 1 })).toThrow(/d_in ≥ 2/);
    expect(() => validateSaeConfig({ ...lnSae('standard', 1).cfg, normalize_activations: 'constant_norm_rescale' as never })).toThrow(SaeConfigError);
  });
});

describe('encode / decode of a layer_norm SAE vs the float64 SAELens reference', () => {
  for (const arch of ['topk', 'standard', 'jumprelu'] as const) {
    it(`${arch}: d_in ${D_IN}, d_sae ${D_SAE}, ${N} rows`, () => {
      const sae = lnSae(arch, 3);
      const x = rows(N, D_IN, 2);
      const enc = encode(sae.weights, sae.cfg, x, N);
      const ref = refEncode(refSaeOf(sae), x, N);
      assertClose(`${arch} pre`, enc.pre, ref.pre, 1e-5);
      for (let r = 0; r < N; r++) {
        expect(nonZero(enc.acts.subarray(r * D_SAE, (r + 1) * D_SAE)), `row ${r} latents`).toEqual(nonZero(ref.acts.subarray(r * D_SAE, (r + 1) * D_SAE)));
      }
      assertClose(`${arch} acts`, enc.acts, ref.acts, 1e-5);
      expect(enc.norm).not.toBeNull();
      assertClose(`${arch} σ`, enc.norm!.std, ref.stats!.std, 1e-12);
      const xhat = decode(sae.weights, enc.acts, N, enc.norm);
      const refXhat = refDecode(refSaeOf(sae), ref.acts, N, ref.stats);
      assertClose(`${arch} x̂ (scaled back)`, xhat, refXhat, 1e-5);
      assertClose(`${arch} reconstruct`, reconstruct(sae.weights, sae.cfg, x, N).xhat, refXhat, 1e-5);
      // Without its stats the output stays in the normalised space (the reference without ln_out).
      assertClose(`${arch} y (normalised space)`, decode(sae.weights, enc.acts, N), refDecode(refSaeOf(sae), ref.acts, N, null), 1e-5);
      // The mode matters: the same weights without it encode something else.
      const plain = encode(sae.weights, { ...sae.cfg, normalize_activations: 'none' }, x, N);
      expect(Array.from(plain.acts)).not.toEqual(Array.from(enc.acts));
      // ...and with it, equal the plain SAE on the normalised rows (what every other encoder is given).
      assertExact(`${arch} acts = plain SAE on encoderInput`, encode(sae.weights, { ...sae.cfg, normalize_activations: 'none' }, encoderInput(sae.cfg, x, N).x, N).acts, enc.acts);
    });
  }
});

describe('cfg.json round trip', () => {
  it('saved as "layer_norm" (flat and under metadata) and loaded back to the same config, weights and encodings', () => {
    const sae = lnSae('topk', 5);
    const files = saveSaeLens(sae.cfg, sae.weights);
    const json = JSON.parse(files['cfg.json']);
    expect(json.normalize_activations).toBe('layer_norm');
    const loaded = loadSaeLens({ cfgJson: json, weights: files['sae_weights.safetensors'] });
    expect(loaded.cfg).toEqual({ ...sae.cfg, model_from_pretrained_kwargs: loaded.cfg.model_from_pretrained_kwargs });
    for (const k of ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const) expect(Array.from(loaded.weights[k]), k).toEqual(Array.from(sae.weights[k]));
    const x = rows(N, D_IN, 9);
    const a = reconstruct(sae.weights, sae.cfg, x, N);
    const b = reconstruct(loaded.weights, loaded.cfg, x, N);
    assertExact('acts after the round trip', b.acts, a.acts);
    assertExact('x̂ after the round trip', b.xhat, a.xhat);
    // Saved again, the same file.
    expect(saveSaeLens(loaded.cfg, loaded.weights)['cfg.json']).toBe(files['cfg.json']);
  });

  it('reads a SAELens 6 cfg.json (SAE fields on top, the rest under metadata) with normalize_activations "layer_norm"', () => {
    const cfg = parseSaeLensCfg({
      architecture: 'topk',
      d_in: 768,
      d_sae: 32768,
      k: 32,
      dtype: 'float32',
      device: 'cpu',
      apply_b_dec_to_input: true,
      normalize_activations: 'layer_norm',
      reshape_activations: 'none',
      metadata: { model_name: 'gpt2-small', hook_name: 'blocks.8.hook_resid_post', context_size: 64, prepend_bos: false, sae_lens_version: '6.18.0' },
    });
    expect(cfg).toMatchObject({ architecture: 'topk', k: 32, normalize_activations: 'layer_norm', hook_name: 'blocks.8.hook_resid_post' });
  });

  it('refuses an input scale for a layer_norm SAE, and run-time modes it does not apply', () => {
    const sae = lnSae('topk', 5);
    expect(() => saveSaeLens(sae.cfg, sae.weights, { activationScale: 2 })).toThrow(/LN\(s·x\) = LN\(x\)/);
    const json = JSON.parse(saveSaeLens(sae.cfg, sae.weights)['cfg.json']);
    expect(() => parseSaeLensCfg({ ...json, normalize_activations: 'constant_norm_rescale' })).toThrow(/constant_norm_rescale.*supported: "none", "layer_norm"/);
  });
});

describe('the CPU statistics pass of a layer_norm SAE', () => {
  const n = 240;
  const batches = (x: Float32Array, B: number) => async function* () {
    for (let r = 0; r < n; r += B) yield { rows: x.slice(r * D_IN, Math.min(n, r + B) * D_IN), firstRow: r };
  };

  /** Counts, maxima and top-5 rows per feature from the reference activations [n, d_sae]. */
  function expectStats(label: string, s: Awaited<ReturnType<typeof featureStatsCpu>>, acts: Float64Array) {
    const count = new Uint32Array(D_SAE);
    const max = new Float64Array(D_SAE);
    for (let r = 0; r < n; r++) for (let f = 0; f < D_SAE; f++) if (acts[r * D_SAE + f] > 0) (count[f]++, (max[f] = Math.max(max[f], acts[r * D_SAE + f])));
    assertExact(`${label} counts`, s.count, count);
    assertClose(`${label} max`, s.maxAct, max, 1e-5);
    for (let f = 0; f < D_SAE; f++) {
      const top = Array.from({ length: n }, (_, r) => r).filter((r) => acts[r * D_SAE + f] > 0).sort((a, b) => acts[b * D_SAE + f] - acts[a * D_SAE + f] || a - b).slice(0, 5);
      expect(Array.from(s.top.rows.subarray(f * 5, f * 5 + top.length)), `${label} feature ${f} top rows`).toEqual(top);
    }
    expect(count.filter((c) => c > 0).length).toBeGreaterThan(D_SAE / 3);
  }

  it('plain-loop encoder: the reference activations, in batches of 64 and 37 alike', async () => {
    const sae = lnSae('topk', 7);
    const x = rows(n, D_IN, 4);
    const ref = refEncode(refSaeOf(sae), x, n).acts;
    expectStats('CPU pass', await featureStatsCpu(sae, batches(x, 64), { topN: 5 }), ref);
    expectStats('CPU pass (37)', await featureStatsCpu(sae, batches(x, 37), { topN: 5 }), ref);
  });

  it('onnxruntime encoder (the worker\'s CPU pass): the reference activations', async () => {
    const sae = lnSae('topk', 8);
    const x = rows(n, D_IN, 5);
    const ref = refEncode(refSaeOf(sae), x, n).acts;
    const enc = await createOnnxEncoder(sae);
    try {
      assertClose('onnx acts', await enc.acts(x, n), ref, 1e-5);
      expectStats('onnx pass', await featureStatsCpu(sae, batches(x, 64), { topN: 5 }, undefined, undefined, (r, m) => enc.acts(r, m)), ref);
    } finally {
      await enc.dispose();
    }
  });
});
