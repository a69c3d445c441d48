// The SAE encoder on onnxruntime-web wasm (src/analysis/onnx-encoder.ts), used by the CPU statistics pass, against
// the plain-loop encoder of src/sae/sae.ts: activations within 1e-4, and the same statistics (counts, top rows).
import { describe, expect, it } from 'vitest';
import { featureStatsCpu } from '../../src/analysis/feature-pass';
import { createOnnxEncoder } from '../../src/analysis/onnx-encoder';
import { type SaeConfig, encode, initSae } from '../../src/sae/sae';
import { gaussian, mulberry32 } from '../../src/sae/train/rng';
import { assertClose } from '../reference/compare';

describe('SAE encoder on onnxruntime wasm', () => {
  for (const architecture of ['topk', 'standard', 'jumprelu'] as const) {
    it(`${architecture}: equals the plain-loop encoder, and the statistics pass gives the same counts and top rows`, async () => {
      const dIn = 23;
      const cfg: SaeConfig = { architecture, d_in: dIn, d_sae: 97, ...(architecture === 'topk' ? { k: 7 } : {}), dtype: 'float32', apply_b_dec_to_input: true, normalize_activations: 'none', hook_name: 'blocks.0.hook_resid_post', model_name: 'toy', context_size: 16, prepend_bos: true };
      const weights = initSae(cfg, 5);
      const normal = gaussian(mulberry32(6));
      weights.b_dec = Float32Array.from({ length: dIn }, () => 0.3 * normal());
      if (weights.threshold) weights.threshold = Float32Array.from({ length: 97 }, () => Math.abs(0.2 * normal()));
      const n = 150;
      const x = Float32Array.from({ length: n * dIn }, () => normal());
      const sae = { cfg, weights };
      const enc = await createOnnxEncoder(sae);
      try {
        assertClose('acts', await enc.acts(x, n), encode(weights, cfg, x, n).acts);
        const batches = async function* () {
          for (let r = 0; r < n; r += 40) yield { rows: x.slice(r * dIn, Math.min(n, r + 40) * dIn), firstRow: r };
        };
        const a = await featureStatsCpu(sae, batches, { topN: 5 });
        const b = await featureStatsCpu(sae, batches, { topN: 5 }, undefined, undefined, (rows, m) => enc.acts(rows, m));
        expect(Array.from(b.count)).toEqual(Array.from(a.count));
        expect(Array.from(b.top.rows)).toEqual(Array.from(a.top.rows));
      } finally {
        await enc.dispose();
      }
    });
  }
});
