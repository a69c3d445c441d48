// The feature statistics pass (src/analysis/feature-pass.ts) against a brute-force recomputation: encode every
// row at once (BatchTopK: batch by batch, as its selection is per batch), then count, sort and bin per feature with
// plain array methods. Batching must not matter, except to BatchTopK.
import { describe, expect, it } from 'vitest';
import { EMPTY_SLOT, binOf, edgeFractions, featureStatsCpu, sampleHash } from '../../src/analysis/feature-pass';
import { type SaeConfig, encode, initSae } from '../../src/sae/sae';
import { gaussian, mulberry32 } from '../../src/sae/train/rng';

const dIn = 19;
const dSae = 77;
const N = 300;

type Arch = 'topk' | 'standard' | 'jumprelu' | 'batchtopk';

function setup(architecture: Arch) {
  const k = architecture === 'topk' ? { k: 6 } : architecture === 'batchtopk' ? { k: 5.5 } : {};
  const cfg: SaeConfig = { architecture, d_in: dIn, d_sae: dSae, ...k, dtype: 'float32', apply_b_dec_to_input: true, normalize_activations: 'none', hook_name: 'blocks.0.hook_resid_post', model_name: 'toy', context_size: 16, prepend_bos: true };
  const weights = initSae(cfg, 3);
  const normal = gaussian(mulberry32(5));
  const dense = architecture === 'standard' || architecture === 'jumprelu';
  weights.b_enc = Float32Array.from({ length: dSae }, () => 0.3 * normal() - (dense ? 0.6 : 0));
  if (architecture === 'jumprelu') weights.threshold = Float32Array.from({ length: dSae }, () => 0.2 * Math.abs(normal()));
  weights.b_enc[5] = -100; // a dead feature
  const x = Float32Array.from({ length: N * dIn }, () => normal());
  return { cfg, weights, x };
}

describe('feature statistics pass vs brute force', () => {
  for (const arch of ['topk', 'standard', 'jumprelu', 'batchtopk'] as const) {
    it(`${arch}: counts, maxima, top-N, histograms and band samples exact${arch === 'batchtopk' ? '' : '; independent of batch size'}`, async () => {
      const { cfg, weights, x } = setup(arch);
      const batches = (B: number) => async function* () {
        for (let r = 0; r < N; r += B) yield { rows: x.slice(r * dIn, Math.min(N, r + B) * dIn), firstRow: r };
      };
      const opts = { topN: 5, nBins: 7, nBands: 3, bandSize: 4 };
      const s = await featureStatsCpu({ cfg, weights }, batches(64), opts);
      if (arch !== 'batchtopk') {
        const s2 = await featureStatsCpu({ cfg, weights }, batches(37), opts);
        expect(Array.from(s2.top.rows)).toEqual(Array.from(s.top.rows));
        expect(Array.from(s2.bands.rows)).toEqual(Array.from(s.bands.rows));
        expect(Array.from(s2.hist)).toEqual(Array.from(s.hist));
      }

      const acts = new Float32Array(N * dSae);
      const step = arch === 'batchtopk' ? 64 : N;
      for (let r = 0; r < N; r += step) {
        const n = Math.min(step, N - r);
        acts.set(encode(weights, cfg, x.subarray(r * dIn, (r + n) * dIn), n).acts, r * dSae);
      }
      expect(s.rows).toBe(N);
      expect(s.count[5]).toBe(0);
      let fired = 0;
      for (let f = 0; f < dSae; f++) {
        const on = Array.from({ length: N }, (_, r) => ({ row: r, act: acts[r * dSae + f] })).filter((e) => e.act > 0);
        fired += on.length ? 1 : 0;
        expect(s.count[f]).toBe(on.length);
        const max = on.reduce((m, e) => Math.max(m, e.act), 0);
        expect(s.maxAct[f]).toBe(max);
        expect(s.sumAct[f]).toBeCloseTo(on.reduce((a, e) => a + e.act, 0), 4);
        const top = on.slice().sort((a, b) => b.act - a.act || a.row - b.row).slice(0, 5);
        const got = Array.from(s.top.rows.subarray(f * 5, f * 5 + 5)).filter((r) => r !== EMPTY_SLOT);
        expect(got).toEqual(top.map((e) => e.row));
        const hist = new Array(7).fill(0);
        for (const e of on) hist[binOf(e.act, max, edgeFractions(7))]++;
        expect(Array.from(s.hist.subarray(f * 7, f * 7 + 7))).toEqual(hist);
        for (let b = 0; b < 3; b++) {
          const inBand = on.filter((e) => binOf(e.act, max, edgeFractions(3)) === b);
          expect(s.bandCount[f * 3 + b]).toBe(inBand.length);
          const want = inBand.sort((p, q) => sampleHash(p.row, f) - sampleHash(q.row, f) || p.row - q.row).slice(0, 4);
          const off = (f * 3 + b) * 4;
          const rows = Array.from(s.bands.rows.subarray(off, off + 4)).filter((r) => r !== EMPTY_SLOT);
          expect(rows).toEqual(want.map((e) => e.row));
          expect(Array.from(s.bands.acts.subarray(off, off + rows.length))).toEqual(want.map((e) => Math.fround(e.act)));
        }
      }
      expect(fired).toBeGreaterThan(dSae / 2);
    });
  }

  it('band samples are spread uniformly: the hash is close to uniform over rows', () => {
    const counts = new Array(16).fill(0);
    for (let r = 0; r < 16_000; r++) counts[sampleHash(r, 3) >>> 28]++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });
});
