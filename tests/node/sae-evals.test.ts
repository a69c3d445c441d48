// SAE faithfulness evals (src/analysis/evals.ts) on the tiny model, onnxruntime-web wasm, real text windows.
// Anchors: an SAE that reconstructs exactly recovers all of the CE loss (1) with KL 0 and FVU 0; one that
// reconstructs zero recovers none (0); a random SAE lands finite in between or below. The clean CE equals one
// computed here from the model's own unsteered logits, and the spliced pass's exposed hook equals x̂. A layer_norm SAE
// (OpenAI v5) is measured on its reconstruction scaled back to the hook (x̂ = y·σ + μ): FVU equals one computed from
// the float64 SAELens reference (tests/reference/sae-reference.ts), and the LN identity SAE recovers all the CE loss.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gpt2Config } from '../../src/core/config';
import type { Gpt2Weights } from '../../src/core/weights';
import { SaeEvalError, type SaeEvalResult, saeFaithfulness } from '../../src/analysis/evals';
import { type Gpt2Model, createGpt2Model } from '../../src/model/gpt2';
import type { Gpt2Tokenizer } from '../../src/model/tokenizer';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { type SaeConfig, type SaeWeights, decode, encode, initSae } from '../../src/sae/sae';
import { TINY_DIR } from '../helpers/checkpoints';
import { refDecode, refEncode, refSaeOf } from '../reference/sae-reference';

const HOOK = 'blocks.1.hook_resid_post';
const TEXT =
  'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, and nothing ' +
  'particular to interest me on shore, I thought I would sail about a little and see the watery part of the world. ' +
  'Fellow citizens of the Senate and House of Representatives: the state of the Union is strong, and the public ' +
  'service of the Department of State has been conducted with great care during the past year. Whenever I find myself ' +
  'growing grim about the mouth, whenever it is a damp, drizzly November in my soul, I account it high time to get to ' +
  'sea as soon as I can. The Congress will be asked to consider the measures which the Secretary of the Treasury has ' +
  'recommended for the revenue and for the payment of the public debt.';

let cfg: Gpt2Config;
let weights: Gpt2Weights;
let tokenizer: Gpt2Tokenizer;
let model: Gpt2Model;
let windows: number[][];
beforeAll(async () => {
  ({ cfg, weights, tokenizer } = loadGpt2FromDir(TINY_DIR));
  model = await createGpt2Model(weights, cfg, { backend: 'wasm', steerAt: HOOK, hooks: [HOOK], logits: 'all' });
  const ids = tokenizer.encode(TEXT);
  const bos = cfg.bosTokenId;
  // Three windows of 32 (BOS + 31) and one of 20: two lengths, so two batches.
  windows = [0, 31, 62].map((s) => [bos, ...ids.slice(s, s + 31)]);
  windows.push([bos, ...ids.slice(93, 112)]);
  expect(windows.map((w) => w.length)).toEqual([32, 32, 32, 20]);
});
afterAll(async () => {
  await model?.dispose();
});

function saeConfig(architecture: SaeConfig['architecture'], d_sae: number, k?: number): SaeConfig {
  return {
    architecture,
    d_in: cfg.nEmbd,
    d_sae,
    k,
    dtype: 'float32',
    apply_b_dec_to_input: false,
    normalize_activations: 'none',
    hook_name: HOOK,
    model_name: 'tiny-gpt2',
    context_size: 32,
    prepend_bos: true,
  };
}

/** ReLU(x) − ReLU(−x) = x: W_enc = [I, −I], W_dec = [I; −I], biases 0. */
function identitySae(): { cfg: SaeConfig; weights: SaeWeights } {
  const d = cfg.nEmbd;
  const W_enc = new Float32Array(d * 2 * d); // [d_in, 2·d_in]
  const W_dec = new Float32Array(2 * d * d); // [2·d_in, d_in]
  for (let c = 0; c < d; c++) {
    W_enc[c * 2 * d + c] = 1;
    W_enc[c * 2 * d + d + c] = -1;
    W_dec[c * d + c] = 1;
    W_dec[(d + c) * d + c] = -1;
  }
  return { cfg: saeConfig('standard', 2 * d), weights: { W_enc, b_enc: new Float32Array(2 * d), W_dec, b_dec: new Float32Array(d) } };
}

/** Next-token CE of one window from the unsteered model's logits, every target except BOS/end-of-text. */
async function independentCe(ws: number[][]): Promise<number> {
  let sum = 0;
  let count = 0;
  for (const w of ws) {
    const { logits } = await model.forward([w]);
    const V = cfg.vocabSize;
    for (let t = 0; t + 1 < w.length; t++) {
      if (w[t + 1] === cfg.bosTokenId || w[t + 1] === cfg.eosTokenId) continue;
      const row = logits!.data.subarray(t * V, (t + 1) * V);
      const max = row.reduce((m, v) => Math.max(m, v), -Infinity);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      sum += lse - row[w[t + 1]];
      count++;
    }
  }
  return sum / count;
}

function report(label: string, r: SaeEvalResult): void {
  const f = (v: number) => v.toFixed(6);
  console.log(
    `${label}: CE clean ${f(r.ceClean)} sae ${f(r.ceSae)} zero ${f(r.ceZero)} recovered ${f(r.ceLossRecovered)} ` +
      `KL sae ${r.klCleanSae.toExponential(3)} zero ${f(r.klCleanZero)} FVU ${f(r.fvu)} L0 ${r.l0.toFixed(2)} ` +
      `splice ${r.spliceError.toExponential(2)} (${r.predictions} predictions, ${r.rows} rows, ${r.tokens} tokens)`,
  );
}

describe('saeFaithfulness', () => {
  it('an exactly reconstructing SAE recovers all the CE loss, with KL 0 and FVU 0', async () => {
    const sae = identitySae();
    const x = (await model.forward([windows[0]])).hooks[HOOK].data;
    const n = windows[0].length;
    expect(Array.from(decode(sae.weights, encode(sae.weights, sae.cfg, x, n).acts, n))).toEqual(Array.from(x));

    const r = await saeFaithfulness(model, sae, windows);
    report('identity', r);
    expect(r.windows).toBe(4);
    expect(r.tokens).toBe(32 * 3 + 20);
    expect(r.predictions).toBe(31 * 3 + 19);
    expect(r.rows).toBe(31 * 3 + 19); // BOS rows left out
    expect(r.fvu).toBe(0);
    expect(r.spliceError).toBe(0);
    expect(Math.abs(r.ceLossRecovered - 1)).toBeLessThan(1e-4);
    expect(r.klCleanSae).toBeLessThan(1e-7);
    expect(r.ceZero).toBeGreaterThan(r.ceClean + 0.1); // zero-ablation hurts, so the ratio is well conditioned
    expect(r.l0).toBeGreaterThan(0.9 * cfg.nEmbd); // one of ReLU(x), ReLU(−x) fires per non-zero coordinate
    expect(r.l0).toBeLessThanOrEqual(cfg.nEmbd);

    // Excluding nothing brings the BOS rows into FVU and L0; no target is BOS in these windows either way.
    const all = await saeFaithfulness(model, sae, windows, { excludeTokens: [] });
    expect(all.rows).toBe(all.tokens);
    expect(all.predictions).toBe(r.predictions);
    expect(all.fvu).toBe(0);
  });

  it('a zero-reconstruction SAE recovers none of it (its splice is the zero-ablation)', async () => {
    const sae = identitySae();
    sae.weights.W_dec.fill(0);
    const r = await saeFaithfulness(model, sae, windows);
    report('zero', r);
    expect(Math.abs(r.ceLossRecovered)).toBeLessThan(1e-4);
    expect(Math.abs(r.ceSae - r.ceZero)).toBeLessThan(1e-6);
    expect(Math.abs(r.klCleanSae - r.klCleanZero)).toBeLessThan(1e-6);
    expect(r.klDivScore).toBeCloseTo(0, 4);
    expect(r.fvu).toBeGreaterThanOrEqual(1); // Σ‖x‖² ≥ Σ‖x − mean‖²
    expect(r.spliceError).toBeLessThan(1e-6);
  });

  it('a random SAE lands finite, below full recovery; clean CE matches an independent computation; the hook carries x̂', async () => {
    const scfg = saeConfig('topk', 512, 16);
    const r = await saeFaithfulness(model, { cfg: scfg, weights: initSae(scfg, 5) }, windows, { batchSize: 2 });
    report('random topk', r);
    const ref = await independentCe(windows);
    console.log(`independent clean CE ${ref.toFixed(6)}, evals ${r.ceClean.toFixed(6)}`);
    expect(Math.abs(r.ceClean - ref)).toBeLessThan(1e-5 * ref);
    for (const v of [r.ceSae, r.ceZero, r.ceLossRecovered, r.klCleanSae, r.klCleanZero, r.fvu, r.l0]) expect(Number.isFinite(v)).toBe(true);
    expect(r.ceLossRecovered).toBeLessThan(1);
    expect(r.klCleanSae).toBeGreaterThan(0);
    expect(r.fvu).toBeGreaterThan(0);
    expect(r.l0).toBeGreaterThan(0);
    expect(r.l0).toBeLessThanOrEqual(16);
    expect(r.explainedVariance).toBeCloseTo(1 - r.fvu, 12);
    expect(r.spliceError).toBeLessThan(1e-6); // x + (x̂ − x) = x̂ up to float rounding at |x|
  });

  it('layer_norm: FVU, L0 and the splice use the reconstruction scaled back to the hook (float64 SAELens reference)', async () => {
    const scfg: SaeConfig = { ...saeConfig('topk', 384, 24), apply_b_dec_to_input: true, normalize_activations: 'layer_norm' };
    const sae = { cfg: scfg, weights: initSae(scfg, 8) };
    sae.weights.b_dec = Float32Array.from({ length: cfg.nEmbd }, (_, c) => 0.1 * Math.sin(c));
    const r = await saeFaithfulness(model, sae, windows, { batchSize: 2 });
    report('random topk, layer_norm', r);
    // Independent: per window, the clean hook → the reference SAE (LN in, topk, decode, LN out) → Σ‖x − x̂‖² / Σ‖x − x̄‖².
    const ref = refSaeOf(sae);
    const d = cfg.nEmbd;
    let resid = 0;
    let resid0 = 0; // the same with x̂ left in the normalised space: what ignoring ln_out would report
    let active = 0;
    const kept: Float32Array[] = [];
    for (const w of windows) {
      const x = (await model.forward([w])).hooks[HOOK].data;
      const e = refEncode(ref, x, w.length);
      const xhat = refDecode(ref, e.acts, w.length, e.stats);
      const y = refDecode(ref, e.acts, w.length, null);
      for (let t = 1; t < w.length; t++) {
        kept.push(x.subarray(t * d, (t + 1) * d));
        for (let c = 0; c < d; c++) {
          resid += (x[t * d + c] - xhat[t * d + c]) ** 2;
          resid0 += (x[t * d + c] - y[t * d + c]) ** 2;
        }
        for (let j = 0; j < scfg.d_sae; j++) if (e.acts[t * scfg.d_sae + j] !== 0) active++;
      }
    }
    let total = 0;
    for (let c = 0; c < d; c++) {
      const mean = kept.reduce((a, row) => a + row[c], 0) / kept.length;
      total += kept.reduce((a, row) => a + (row[c] - mean) ** 2, 0);
    }
    console.log(`layer_norm FVU: evals ${r.fvu.toFixed(6)}, reference ${(resid / total).toFixed(6)}, without scaling back ${(resid0 / total).toFixed(3)}`);
    expect(r.rows).toBe(kept.length);
    expect(Math.abs(r.fvu - resid / total)).toBeLessThanOrEqual(1e-4 * (resid / total));
    expect(Math.abs(resid0 / total - resid / total)).toBeGreaterThan(100 * 1e-4 * (resid / total)); // far outside the tolerance: the test tells them apart
    expect(r.l0).toBeCloseTo(active / kept.length, 10);
    expect(r.spliceError).toBeLessThan(1e-6);
    expect(Number.isFinite(r.ceLossRecovered)).toBe(true);
  });

  it('layer_norm identity SAE (ReLU(LN x) − ReLU(−LN x), scaled back): all the CE loss, FVU ≈ (ε/σ)²', async () => {
    const id = identitySae();
    const sae = { cfg: { ...id.cfg, normalize_activations: 'layer_norm' as const }, weights: id.weights };
    const r = await saeFaithfulness(model, sae, windows);
    report('identity, layer_norm', r);
    // x̂ = (x − μ)·σ/(σ + ε) + μ: off by (x − μ)·ε/(σ + ε), so FVU is about (ε/σ)², far below float rounding of the CE.
    expect(r.fvu).toBeLessThan(1e-8);
    expect(Math.abs(r.ceLossRecovered - 1)).toBeLessThan(1e-4);
    expect(r.klCleanSae).toBeLessThan(1e-7);
  });

  it('refuses a model not built to splice at the SAE hook, saying how to build it', async () => {
    const sae = identitySae();
    const plain = await createGpt2Model(weights, cfg, { backend: 'wasm', hooks: [HOOK] });
    const elsewhere = await createGpt2Model(weights, cfg, { backend: 'wasm', hooks: [HOOK], steerAt: 'blocks.0.hook_resid_post' });
    const noLogits = await createGpt2Model(weights, cfg, { backend: 'wasm', hooks: [HOOK], steerAt: HOOK, logits: 'last' });
    try {
      await expect(saeFaithfulness(plain, sae, windows)).rejects.toThrow(SaeEvalError);
      await expect(saeFaithfulness(plain, sae, windows)).rejects.toThrow(/has no steering input.*steerAt: 'blocks\.1\.hook_resid_post'/);
      await expect(saeFaithfulness(elsewhere, sae, windows)).rejects.toThrow(/steers at blocks\.0\.hook_resid_post/);
      await expect(saeFaithfulness(noLogits, sae, windows)).rejects.toThrow(/no per-position logits.*logits: 'all'/);
      await expect(saeFaithfulness(model, sae, [[cfg.bosTokenId]])).rejects.toThrow(/needs ≥ 2/);
    } finally {
      await Promise.all([plain.dispose(), elsewhere.dispose(), noLogits.dispose()]);
    }
  });
});
