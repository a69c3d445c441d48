// feature_attribution (shaders/feature_attribution.wgsl) vs its CPU twin on awkward sizes, and the GPU attributor
// (SAE encoding + feature_attribution) vs the CPU attributor, in Chromium's WebGPU (SwiftShader), also for a layer_norm
// SAE (whose rows GpuEncoder normalises before the upload) against the float64 SAELens reference's activations.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cpuFeatureAttributor } from '../../src/analysis/attribution/attribute';
import { featureAttribution } from '../../src/analysis/cpu/feature_attribution';
import { assertClose } from '../reference/compare';
import { refEncode, refSaeOf } from '../reference/sae-reference';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { ATTRIBUTION_CASES, attributorInputs, kernelInputs } from './pages/attribution-kernel-data';
import { type EncodedTensor, decodeTensor } from './pages/kernels-data';

const baseUrl = inject('baseUrl');
const MODULE = '/tests/browser/pages/attribution-kernel.ts';
const REL = 1e-4;

describe('feature attribution on WebGPU vs its CPU twin', () => {
  let p: OpenedPage;
  beforeAll(async () => {
    p = await openPage(`${baseUrl}/tests/browser/pages/blank.html`, { prefix: '[attribution-kernel]' });
  });
  afterAll(async () => {
    await p?.close();
    await closeChromium();
  });

  it.each(ATTRIBUTION_CASES)('feature_attribution: $name', async (c) => {
    const r = await callInPage<Record<string, EncodedTensor>>(p.page, MODULE, 'runKernelCase', c);
    const inp = kernelInputs(c);
    const ref = featureAttribution(inp.wDec, inp.acts, inp.dirs, c.dSae, c.dIn);
    const got = decodeTensor(r.out) as Float32Array;
    assertClose(`feature_attribution ${c.name}`, got, ref, REL);
    // Silent features are exactly 0 in both halves.
    for (let f = 0; f < c.dSae; f++) if (inp.acts[f] === 0) expect([got[f], got[c.dSae + f]]).toEqual([0, 0]);
  });

  it('GPU attributor (encode + attribute) equals the CPU attributor', async () => {
    const r = await callInPage<Record<string, EncodedTensor>>(p.page, MODULE, 'runAttributorCase', 5);
    const { sae, x, dirs } = attributorInputs(5);
    const ref = await cpuFeatureAttributor(sae).attribute(x, dirs);
    const acts = decodeTensor(r.acts) as Float32Array;
    assertClose('acts', acts, ref.acts, REL);
    expect(acts.filter((a) => a !== 0).length).toBe(12);
    assertClose('out', decodeTensor(r.out) as Float32Array, ref.out, REL);
    expect(Array.from(decodeTensor(r.outAgain))).toEqual(Array.from(decodeTensor(r.out)));
  });

  it('GPU attributor of a layer_norm SAE equals the CPU attributor and the reference activations', async () => {
    const r = await callInPage<Record<string, EncodedTensor>>(p.page, MODULE, 'runAttributorCase', 6, true);
    const { sae, x, dirs } = attributorInputs(6, true);
    const ref = await cpuFeatureAttributor(sae).attribute(x, dirs);
    const acts = decodeTensor(r.acts) as Float32Array;
    assertClose('layer_norm acts vs CPU', acts, ref.acts, REL);
    assertClose('layer_norm acts vs float64 reference', acts, refEncode(refSaeOf(sae), x, 1).acts, 1e-5);
    expect(acts.filter((a) => a !== 0).length).toBe(12);
    assertClose('layer_norm out', decodeTensor(r.out) as Float32Array, ref.out, REL);
  });
});
