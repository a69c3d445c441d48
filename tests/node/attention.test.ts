// Attention summary scores on hand-made patterns (each checked exactly), the repeated-random-tokens induction test,
// head writes against a direct loop, and the tiny model's hook_pattern: rows sum to 1, zeros above the diagonal, and
// equal to softmax(hook_attn_scores) recomputed here; its heads' writes add up to hook_attn_out, and for a layer_norm
// SAE on hook_attn_out, read along the centred encoder column and scaled by 1/(σ + ε), to its pre-activation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bosScore,
  headPattern,
  headScores,
  inductionScore,
  inductionTargets,
  prevTokenScore,
  repeatedInductionScore,
  repeatedInductionScores,
  repeatedRandomTokens,
} from '../../src/analysis/attention';
import { encoderDirection, encoderReadScale, headDirections, headWriteWeights, headWrites, headWritesVia, writingLayers } from '../../src/analysis/head-writes';
import { type SaeConfig, encode, initSae } from '../../src/sae/sae';
import { headDim } from '../../src/core/config';
import { mulberry32 } from '../../src/core/random';
import { TL_FROM_PRETRAINED } from '../../src/core/tl-settings';
import { type Gpt2Model, createGpt2Model } from '../../src/model/gpt2';
import { processWeights } from '../../src/model/tl-weights';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import type { LoadedGpt2 } from '../../src/model/sources';
import { TINY_DIR } from '../helpers/checkpoints';

/** A T×T row-major pattern from rows given as arrays (each row's keys 0…T−1). */
const pattern = (rows: number[][]) => Float32Array.from(rows.flat());

describe('per-head attention scores on hand-made patterns', () => {
  // T = 4, ids [7, 3, 9, 3]: query 3 repeats token 3 (first at position 1), so its induction target is key 2.
  const ids = [7, 3, 9, 3];
  const p = pattern([
    [1, 0, 0, 0],
    [0.25, 0.75, 0, 0],
    [0.5, 0.25, 0.25, 0],
    [0.125, 0.125, 0.5, 0.25],
  ]);

  it('previous-token: mean over q ≥ 1 of p[q, q−1]', () => {
    expect(prevTokenScore(p, 4)).toBe((0.25 + 0.25 + 0.5) / 3);
    expect(prevTokenScore(new Float32Array([1]), 1)).toBeNull();
  });

  it('BOS: mean over every q of p[q, 0]', () => {
    expect(bosScore(p, 4)).toBe((1 + 0.25 + 0.5 + 0.125) / 4);
  });

  it('induction: keys j+1 (j < q−1, ids[j] = ids[q]); Σ over targets, mean over queries that have one', () => {
    expect(inductionTargets(ids)).toEqual([[], [], [], [2]]);
    expect(inductionScore(p, 4, inductionTargets(ids))).toBe(0.5);
    // A token seen right before (j = q−1) is no target: its "next" is the query itself.
    expect(inductionTargets([5, 5])).toEqual([[], []]);
    expect(inductionScore(pattern([[1, 0], [0.5, 0.5]]), 2, inductionTargets([5, 5]))).toBeNull();
    // Two earlier occurrences: both following keys count, summed for the query.
    const ids2 = [4, 1, 4, 2, 4];
    expect(inductionTargets(ids2)).toEqual([[], [], [1], [], [1, 3]]);
    const p2 = pattern([
      [1, 0, 0, 0, 0],
      [0.5, 0.5, 0, 0, 0],
      [0.5, 0.25, 0.25, 0, 0],
      [0.25, 0.25, 0.25, 0.25, 0],
      [0.5, 0.125, 0, 0.25, 0.125],
    ]);
    expect(inductionScore(p2, 5, inductionTargets(ids2))).toBe((0.25 + (0.125 + 0.25)) / 2);
  });

  it('headScores: every head of every layer, layer-major, from [head, T, T] arrays', () => {
    const uniform = pattern([
      [1, 0, 0, 0],
      [0.5, 0.5, 0, 0],
      [0.25, 0.25, 0.5, 0],
      [0.25, 0.25, 0.25, 0.25],
    ]);
    const layer0 = new Float32Array([...p, ...uniform]);
    const layer1 = new Float32Array([...uniform, ...p]);
    const s = headScores([layer0, layer1], 2, 4, ids);
    expect(s.map((x) => [x.layer, x.head])).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]]);
    expect(s[0]).toEqual({ layer: 0, head: 0, prevToken: prevTokenScore(p, 4), bos: bosScore(p, 4), induction: 0.5 });
    expect(s[3]).toEqual(s.map((x) => ({ ...x, layer: 1, head: 1 }))[0]);
    expect(s[1].induction).toBe(0.25);
    expect(headPattern(layer0, 1, 4)).toEqual(uniform);
    expect(() => headScores([layer0], 2, 4, [1, 2, 3])).toThrow(/3 token ids/);
  });
});

describe('the repeated-random-tokens induction test', () => {
  it('BOS + r + r, seeded, without BOS in r', () => {
    const t = repeatedRandomTokens(10, 50, 49, 3);
    expect(t).toHaveLength(21);
    expect(t[0]).toBe(49);
    expect(t.slice(1, 11)).toEqual(t.slice(11));
    expect(t.slice(1).every((x) => x >= 0 && x < 49)).toBe(true);
    expect(repeatedRandomTokens(10, 50, 49, 3)).toEqual(t);
    expect(repeatedRandomTokens(10, 50, 49, 4)).not.toEqual(t);
  });

  it('mean over the second copy of p[q, q − n + 1]: 1 for a perfect induction head, its stripe value otherwise', () => {
    const n = 3;
    const T = 2 * n + 1;
    const perfect = new Float32Array(T * T);
    const half = new Float32Array(T * T);
    for (let q = 0; q < T; q++) {
      if (q > n) {
        perfect[q * T + q - n + 1] = 1;
        half[q * T + q - n + 1] = 0.5;
        half[q * T] = 0.5;
      } else {
        perfect[q * T] = 1;
        half[q * T] = 1;
      }
    }
    expect(repeatedInductionScore(perfect, T, n)).toBe(1);
    expect(repeatedInductionScore(half, T, n)).toBe(0.5);
    // With distinct tokens in r, the general score is the same number on this sequence.
    const ids = [9, 1, 2, 3, 1, 2, 3];
    expect(inductionScore(perfect, T, inductionTargets(ids))).toBe(1);
    expect(inductionScore(half, T, inductionTargets(ids))).toBe(0.5);
    expect(repeatedInductionScores([new Float32Array([...perfect, ...half])], 2, n)).toEqual([1, 0.5]);
    expect(() => repeatedInductionScore(perfect, T, 4)).toThrow(/9 tokens/);
  });
});

describe('head writes along a direction', () => {
  it('equal a direct loop: z[pos, h] · W_O[h] → d_model, then · u; mean over positions', () => {
    const rand = mulberry32(11);
    const nHead = 3;
    const dHead = 4;
    const d = nHead * dHead;
    const T = 5;
    const layers = 2;
    const z = Array.from({ length: layers }, () => Float32Array.from({ length: T * d }, () => rand() * 2 - 1));
    const wO = Array.from({ length: layers }, () => Float32Array.from({ length: d * d }, () => rand() * 2 - 1));
    const u = Float32Array.from({ length: d }, () => rand() * 2 - 1);
    const positions = [0, 3, 4];
    const got = headWrites(z, { wO, nHead, dHead }, positions, u);
    for (let l = 0; l < layers; l++) {
      for (let h = 0; h < nHead; h++) {
        let want = 0;
        for (const pos of positions) {
          for (let o = 0; o < d; o++) {
            let out = 0; // head h's output, component o
            for (let c = 0; c < dHead; c++) out += z[l][pos * d + h * dHead + c] * wO[l][(h * dHead + c) * d + o];
            want += out * u[o];
          }
        }
        want /= positions.length;
        expect(got[l * nHead + h]).toBeCloseTo(want, 10);
      }
    }
    expect(headDirections({ wO, nHead, dHead }, u)).toHaveLength(2);
    expect(() => headWrites(z, { wO, nHead, dHead }, [5], u)).toThrow(/outside/);
  });

  it('read the layers whose heads feed an SAE hook', () => {
    expect(writingLayers('blocks.2.hook_resid_post')).toEqual({ from: 0, to: 2 });
    expect(writingLayers('blocks.2.hook_resid_mid')).toEqual({ from: 0, to: 2 });
    expect(writingLayers('blocks.2.hook_resid_pre')).toEqual({ from: 0, to: 1 });
    expect(writingLayers('blocks.0.hook_resid_pre')).toBeNull();
    expect(writingLayers('blocks.3.hook_attn_out')).toEqual({ from: 3, to: 3 });
    expect(writingLayers('blocks.1.mlp.hook_post')).toBeNull();
  });
});

describe('the tiny model’s attention hooks', () => {
  let loaded: LoadedGpt2;
  let model: Gpt2Model;
  const L = 4;
  const names = (point: string) => Array.from({ length: L }, (_, l) => `blocks.${l}.${point}`);

  beforeAll(async () => {
    loaded = loadGpt2FromDir(TINY_DIR);
    expect(loaded.cfg.nLayer).toBe(L);
    const hooks = [...names('attn.hook_pattern'), ...names('attn.hook_attn_scores'), ...names('attn.hook_z'), ...names('hook_attn_out')];
    model = await createGpt2Model(loaded.weights, loaded.cfg, { backend: 'wasm', hooks, logits: 'none' });
  });
  afterAll(async () => {
    await model?.dispose();
  });

  const ids = () => [loaded.cfg.bosTokenId, ...loaded.tokenizer.encode('The cat sat on the mat. The cat sat on the mat.')];

  it('patterns: rows sum to 1, zero above the diagonal, equal softmax(hook_attn_scores)', async () => {
    const x = ids();
    const T = x.length;
    const nh = loaded.cfg.nHead;
    const out = await model.forward([x]);
    let worst = 0;
    for (let l = 0; l < L; l++) {
      const pat = out.hooks[`blocks.${l}.attn.hook_pattern`];
      const sc = out.hooks[`blocks.${l}.attn.hook_attn_scores`];
      expect(pat.shape).toEqual([1, nh, T, T]);
      expect(sc.shape).toEqual([1, nh, T, T]);
      for (let h = 0; h < nh; h++) {
        for (let q = 0; q < T; q++) {
          const row = (h * T + q) * T;
          let max = -Infinity;
          for (let k = 0; k <= q; k++) max = Math.max(max, sc.data[row + k]);
          let z = 0;
          for (let k = 0; k <= q; k++) z += Math.exp(sc.data[row + k] - max);
          let sum = 0;
          for (let k = 0; k < T; k++) {
            const v = pat.data[row + k];
            sum += v;
            if (k > q) expect(v).toBe(0);
            else worst = Math.max(worst, Math.abs(v - Math.exp(sc.data[row + k] - max) / z));
          }
          expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
        }
      }
    }
    console.log(`[attention] max |pattern − softmax(scores)| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
    // The scores of the real patterns are in range and defined where the sequence allows.
    const s = headScores(names('attn.hook_pattern').map((n) => out.hooks[n].data), nh, T, x);
    expect(s).toHaveLength(L * nh);
    for (const h of s) {
      expect(h.bos).toBeGreaterThan(0);
      expect(h.bos).toBeLessThanOrEqual(1 + 1e-6);
      expect(h.prevToken).toBeGreaterThanOrEqual(0);
      expect(h.induction).not.toBeNull(); // the sentence repeats
    }
  });

  it("heads' writes plus b_O along a direction equal hook_attn_out along it", async () => {
    const x = ids();
    const T = x.length;
    const d = loaded.cfg.nEmbd;
    const out = await model.forward([x]);
    const rand = mulberry32(5);
    const u = Float32Array.from({ length: d }, () => rand() * 2 - 1);
    const layers = [0, 1, 2, 3];
    const w = headWriteWeights(loaded.weights, loaded.cfg, layers);
    expect(w.dHead).toBe(headDim(loaded.cfg));
    const z = names('attn.hook_z').map((n) => out.hooks[n].data);
    for (const pos of [0, 5, T - 1]) {
      const writes = headWrites(z, w, [pos], u);
      for (const l of layers) {
        const attnOut = out.hooks[`blocks.${l}.hook_attn_out`].data;
        const b = loaded.weights.blocks[l].attnProjB;
        let want = 0;
        let bias = 0;
        for (let o = 0; o < d; o++) {
          want += attnOut[pos * d + o] * u[o];
          bias += b[o] * u[o];
        }
        let got = bias;
        for (let h = 0; h < loaded.cfg.nHead; h++) got += writes[l * loaded.cfg.nHead + h];
        expect(Math.abs(got - want)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));
      }
    }
  });

  it('layer_norm SAE on hook_attn_out: heads along the centred column, ×1/(σ + ε), plus b_O give the pre-activation', async () => {
    const x = ids();
    const T = x.length;
    const d = loaded.cfg.nEmbd;
    const l = 2;
    const hook = `blocks.${l}.hook_attn_out`;
    const cfg: SaeConfig = { architecture: 'topk', d_in: d, d_sae: 40, k: 4, dtype: 'float32', apply_b_dec_to_input: true, normalize_activations: 'layer_norm', hook_name: hook, model_name: 'tiny-gpt2', context_size: 64, prepend_bos: true };
    const sae = { cfg, weights: initSae(cfg, 2) };
    sae.weights.b_dec = Float32Array.from({ length: d }, (_, c) => 0.05 * Math.sin(c));
    sae.weights.b_enc = Float32Array.from({ length: 40 }, (_, j) => 0.01 * j);
    // Make the columns far from centred, so reading along W_enc[:, f] itself would be wrong.
    for (let i = 0; i < d; i++) for (let j = 0; j < 40; j++) sae.weights.W_enc[i * 40 + j] += 0.3;
    const out = await model.forward([x]);
    const attnOut = out.hooks[hook].data;
    const z = [out.hooks[`blocks.${l}.attn.hook_z`].data];
    const w = headWriteWeights(loaded.weights, loaded.cfg, [l]);
    const pre = encode(sae.weights, cfg, attnOut, T).pre; // [T, d_sae]
    for (const f of [0, 17, 39]) {
      const u = encoderDirection(cfg, sae.weights, f);
      expect(Math.abs(u.reduce((a, v) => a + v, 0))).toBeLessThan(1e-9);
      const dirs = headDirections(w, u);
      for (const pos of [1, T - 1]) {
        const row = attnOut.subarray(pos * d, (pos + 1) * d);
        const k = encoderReadScale(cfg, row);
        const writes = headWritesVia(z, dirs, w.nHead, w.dHead, [pos], [k]);
        let got = 0;
        let bDec = 0;
        for (let o = 0; o < d; o++) {
          got += loaded.weights.blocks[l].attnProjB[o] * u[o] * k;
          bDec += sae.weights.b_dec[o] * sae.weights.W_enc[o * 40 + f];
        }
        for (let h = 0; h < w.nHead; h++) got += writes[h];
        const want = pre[pos * 40 + f] - sae.weights.b_enc[f] + bDec; // LN(x)·W_enc[:, f]
        expect(Math.abs(got - want)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));
      }
    }
  });

  it('under TransformerLens processing (centred W_O, value biases in b_O) with the processed weights', async () => {
    const tl = TL_FROM_PRETRAINED;
    const processed = processWeights(loaded.weights, loaded.cfg, tl);
    const tlModel = await createGpt2Model(loaded.weights, loaded.cfg, { backend: 'wasm', hooks: [...names('attn.hook_z'), ...names('hook_attn_out')], logits: 'none', tl });
    try {
      const x = ids();
      const d = loaded.cfg.nEmbd;
      const out = await tlModel.forward([x]);
      const u = Float32Array.from({ length: d }, (_, i) => Math.sin(i));
      const writes = headWrites(names('attn.hook_z').map((n) => out.hooks[n].data), headWriteWeights(processed, loaded.cfg, [0, 1, 2, 3]), [x.length - 1], u);
      for (let l = 0; l < L; l++) {
        const attnOut = out.hooks[`blocks.${l}.hook_attn_out`].data;
        let want = 0;
        let got = 0;
        for (let o = 0; o < d; o++) {
          want += attnOut[(x.length - 1) * d + o] * u[o];
          got += processed.blocks[l].attnProjB[o] * u[o];
        }
        for (let h = 0; h < loaded.cfg.nHead; h++) got += writes[l * loaded.cfg.nHead + h];
        expect(Math.abs(got - want)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));
      }
    } finally {
      await tlModel.dispose();
    }
  });
});
