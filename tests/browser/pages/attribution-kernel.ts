// Runs inside the page: shaders/feature_attribution.wgsl on its own, and the GPU attributor (GpuEncoder +
// feature_attribution) on a seeded SAE; returns outputs as base64 for tests/browser/attribution-kernel.test.ts,
// which compares them with the CPU twins.
import { GpuFeatureAttributor } from '../../../src/analysis/attribution/features-gpu';
import { createBuffer, readBuffer } from '../../../src/gpu/device';
import { featureAttribution } from '../../../src/gpu/kernels/feature_attribution';
import { type AttributionKernelCase, attributorInputs, kernelInputs } from './attribution-kernel-data';
import { type EncodedTensor, encodeTensor } from './kernels-data';
import { device, withErrorScopes } from './kernels-train';

export async function runKernelCase(c: AttributionKernelCase): Promise<Record<string, EncodedTensor>> {
  const d = await device();
  return withErrorScopes(d, c.name, async () => {
    const inp = kernelInputs(c);
    const wDec = createBuffer(d, inp.wDec);
    const acts = createBuffer(d, inp.acts);
    const dirs = createBuffer(d, inp.dirs);
    const out = createBuffer(d, new Float32Array(2 * c.dSae).fill(-7));
    featureAttribution(d, { dSae: c.dSae, dIn: c.dIn, workgroup: c.workgroup, maxGridDim: c.maxGridDim }, { wDec, acts, dirs, out });
    const o = await readBuffer(d, out, 2 * c.dSae * 4);
    for (const b of [wDec, acts, dirs, out]) b.destroy();
    return { out: encodeTensor(o) };
  });
}

export async function runAttributorCase(seed: number, layerNorm = false): Promise<Record<string, EncodedTensor>> {
  const d = await device();
  const { sae, x, dirs } = attributorInputs(seed, layerNorm);
  const a = new GpuFeatureAttributor(d, sae);
  try {
    const r = await a.attribute(x, dirs);
    const again = await a.attribute(x, dirs); // buffers reused: the same answer
    return { acts: encodeTensor(r.acts), out: encodeTensor(r.out), outAgain: encodeTensor(again.out) };
  } finally {
    a.dispose();
  }
}
