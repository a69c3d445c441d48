// Seeded inputs for the feature_attribution kernel and the GPU attributor, built the same way in the page and in
// the test (which runs the CPU twins on them).
import type { AttributionSae } from '../../../src/analysis/attribution/attribute';
import { type SaeConfig, initSae } from '../../../src/sae/sae';
import { rng, uniform } from './kernels-data';

export interface AttributionKernelCase {
  name: string;
  dSae: number;
  dIn: number;
  zeroFraction: number; // share of features that do not fire
  workgroup?: number;
  maxGridDim?: number;
  seed: number;
}

export const ATTRIBUTION_CASES: AttributionKernelCase[] = [
  { name: 'd_sae 1000 × d_in 77, 70% silent', dSae: 1000, dIn: 77, zeroFraction: 0.7, seed: 1 },
  { name: 'd_sae 3333 × d_in 130, WG 32, 2-D grid (max 50 workgroups per dimension)', dSae: 3333, dIn: 130, zeroFraction: 0.2, workgroup: 32, maxGridDim: 50, seed: 2 },
  { name: 'd_sae 5 × d_in 3 (fewer features than threads), all firing', dSae: 5, dIn: 3, zeroFraction: 0, seed: 3 },
];

export function kernelInputs(c: AttributionKernelCase) {
  const r = rng(c.seed);
  const wDec = uniform(r, c.dSae * c.dIn);
  const acts = uniform(r, c.dSae, 3).map((a) => (r() < c.zeroFraction ? 0 : Math.abs(a)));
  const dirs = uniform(r, 2 * c.dIn, 2);
  return { wDec, acts, dirs };
}

/** layerNorm: an OpenAI-v5-style SAE (normalize_activations "layer_norm") on an offset, scaled x. */
export function attributorInputs(seed: number, layerNorm = false): { sae: AttributionSae; x: Float32Array; dirs: Float32Array } {
  const cfg: SaeConfig = {
    architecture: 'topk',
    d_in: 96,
    d_sae: 700,
    k: 12,
    dtype: 'float32',
    apply_b_dec_to_input: true,
    normalize_activations: layerNorm ? 'layer_norm' : 'none',
    hook_name: 'blocks.1.hook_resid_post',
    model_name: 'test',
    context_size: 64,
    prepend_bos: true,
  };
  const weights = initSae(cfg, seed);
  const r = rng(seed + 100);
  weights.b_dec.set(uniform(r, 96, 0.1));
  const x = uniform(r, 96, 4).map((v) => (layerNorm ? 7 + 9 * v : v));
  const dirs = uniform(r, 192, 1);
  return { sae: { cfg, weights }, x, dirs };
}
