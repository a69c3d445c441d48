// The GPU feature statistics pass (matmul_bias → feature_acts [→ topk_rows → feature_scatter] → feature_stats /
// feature_hist) against the CPU pass over the kernels' CPU twins, on awkward sizes in Chromium (SwiftShader WebGPU):
// counts, top-N rows, histograms, band counts and band samples exactly equal; activations and sums within 1e-4.
// layer_norm SAEs (OpenAI v5) too, whose rows GpuEncoder normalises on the CPU before the upload; their GPU
// activations also equal the float64 SAELens reference (tests/reference/sae-reference.ts).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { featureStatsCpu } from '../../src/analysis/feature-pass';
import { encode } from '../../src/sae/sae';
import { assertClose } from '../reference/compare';
import { refEncode, refSaeOf } from '../reference/sae-reference';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { type EncodedTensor, decodeTensor } from './pages/kernels-data';
import { CAPPED_CASE, STATS_CASES, statsBatches, statsSetup, twinActs, twinActsByBatch } from './pages/feature-stats-data';

let p: OpenedPage;
beforeAll(async () => {
  p = await openPage(`${inject('baseUrl')}/tests/browser/pages/blank.html`, { prefix: '[feature-stats]' });
});
afterAll(async () => {
  await p?.close();
  await closeChromium();
});

describe('feature statistics pass: WebGPU vs CPU twins', () => {
  it.each(STATS_CASES)('$name', async (c) => {
    const got = await callInPage<{ rows: number; t: Record<string, EncodedTensor> }>(p.page, '/tests/browser/pages/feature-stats.ts', 'runStatsCase', c);
    const { sae, x } = statsSetup(c);
    const ref = await featureStatsCpu(sae, statsBatches(c, x), c.opts, undefined, undefined, twinActs(sae));
    const g = (n: string) => decodeTensor(got.t[n]);
    expect(got.rows).toBe(c.rows);
    expect(ref.count[3]).toBe(0);
    expect(ref.count.filter((v) => v > 0).length).toBeGreaterThan(c.dSae / 3);
    expect(Array.from(g('count'))).toEqual(Array.from(ref.count));
    expect(Array.from(g('topRows'))).toEqual(Array.from(ref.top.rows));
    expect(Array.from(g('hist'))).toEqual(Array.from(ref.hist));
    expect(Array.from(g('bandCount'))).toEqual(Array.from(ref.bandCount));
    expect(Array.from(g('bandRows'))).toEqual(Array.from(ref.bands.rows));
    assertClose('maxAct', g('maxAct'), ref.maxAct);
    assertClose('sumAct', g('sumAct'), Float32Array.from(ref.sumAct));
    assertClose('topActs', g('topActs'), ref.top.acts);
    assertClose('bandActs', g('bandActs'), ref.bands.acts);
  });

  it.each(STATS_CASES)('the GPU encoder\'s twins select exactly as the SAE architecture does: $name', async (c) => {
    // BatchTopK on the GPU selects from each row's top 256 candidates only; this pins the twins (hence the GPU)
    // to ARCHITECTURES' selection over the whole [B, d_sae] batch, batch by batch.
    const { sae, x } = statsSetup(c);
    for await (const b of statsBatches(c, x)()) {
      const n = b.rows.length / c.dIn;
      const want = encode(sae.weights, sae.cfg, b.rows, n).acts;
      const got = await twinActs(sae)(b.rows, n);
      let bad = 0;
      for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) bad++;
      expect(bad, `rows ${b.firstRow}…: ${bad} activations differ`).toBe(0);
    }
  });

  it('BatchTopK rows that win all their GPU candidates: the GPU pass refuses (BatchTopkCapError)', async () => {
    const r = await callInPage<{ name: string; message: string }>(p.page, '/tests/browser/pages/feature-stats.ts', 'runRefusedCase', CAPPED_CASE);
    console.log(`[feature-stats] ${CAPPED_CASE.name}: ${r.name}: ${r.message}`);
    expect(r.name).toBe('BatchTopkCapError');
    expect(r.message).toMatch(/CPU/);
  });

  it.each(STATS_CASES.filter((c) => c.layerNorm))('layer_norm on the GPU gives the float64 SAELens reference\'s activations: $name', async (c) => {
    const { sae, x } = statsSetup(c);
    const ref = refEncode(refSaeOf(sae), x, c.rows).acts; // [rows, d_sae]
    const max = new Float64Array(c.dSae);
    for (let r = 0; r < c.rows; r++) for (let f = 0; f < c.dSae; f++) max[f] = Math.max(max[f], ref[r * c.dSae + f]);
    const got = await callInPage<{ rows: number; t: Record<string, EncodedTensor> }>(p.page, '/tests/browser/pages/feature-stats.ts', 'runStatsCase', c);
    assertClose(`${c.name} GPU maxAct vs reference`, decodeTensor(got.t.maxAct), max, 1e-5);
    for (const f of [0, 7, c.dSae - 1]) {
      const col = decodeTensor(await callInPage<EncodedTensor>(p.page, '/tests/browser/pages/feature-stats.ts', 'runColumnCase', c, f));
      assertClose(`${c.name} GPU feature ${f} vs reference`, col, Float64Array.from({ length: c.rows }, (_, r) => ref[r * c.dSae + f]), 1e-5);
    }
  });

  it.each(STATS_CASES)('GpuEncoder.column (feature pages) equals the CPU twins: $name', async (c) => {
    const { sae, x } = statsSetup(c);
    const acts = await twinActsByBatch(c, sae, x); // column() encodes c.batch rows at a time
    for (const f of [0, 7, c.dSae - 1]) {
      const got = decodeTensor(await callInPage<EncodedTensor>(p.page, '/tests/browser/pages/feature-stats.ts', 'runColumnCase', c, f));
      assertClose(`feature ${f}`, got, Float32Array.from({ length: c.rows }, (_, r) => acts[r * c.dSae + f]));
    }
  });
});
