// feature_attribution (shaders/feature_attribution.wgsl) vs its CPU twin on awkward sizes, and the GPU attributor
// (SAE encoding + feature_attribution) vs the CPU attributor, in Chromium's WebGPU (SwiftShader).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cpuFeatureAttributor } from '../../src/analysis/attribution/attribute';
import { featureAttribution } from '../../src/analysis/cpu/feature_attribution';
import { assertClose } from '../reference/compare';
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
});
