// WGSL kernels (shaders/*.wgsl via src/gpu/kernels/*) against their CPU twins (src/sae/cpu/*) on awkward sizes.
// One table (tests/browser/pages/kernels-data.ts), one test body: the page runs the kernel on SwiftShader
// WebGPU and returns its outputs; here the twin runs on the same seeded inputs and every output tensor is
// compared, printing maxdiff. Float outputs: max |got − ref| ≤ 1e-4 · max |ref|. Top-k: indices and values
// exactly equal (both sides break ties by lower index, so there is one right answer).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { matmulBias } from '../../src/sae/cpu/matmul_bias';
import { sparseDecode } from '../../src/sae/cpu/sparse_decode';
import { latentOrder, topkRows } from '../../src/sae/cpu/topk_rows';
import { assertClose, assertExact } from '../reference/compare';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { expectNoErrorsPerTest } from './page-errors';
import type { CaseResult, DeviceReport, ErrorReport } from './pages/kernels';
import { KERNEL_CASES, type KernelCase, decodeInputs, decodeTensor, matmulInputs, saeInputs, topkInputs } from './pages/kernels-data';

const baseUrl = inject('baseUrl');
const MODULE = '/tests/browser/pages/kernels.ts';
const REL_TOL = 1e-4;
/** KERNELS_ONLY=topk_rows (substring of case names) runs a subset. */
const CASES = KERNEL_CASES.filter((c) => !process.env.KERNELS_ONLY || c.name.includes(process.env.KERNELS_ONLY));

type Tensors = Record<string, Float32Array | Uint32Array>;

/** The CPU twins on the case's inputs: the reference outputs, named as the page names them. */
function reference(c: KernelCase): Tensors {
  switch (c.kernel) {
    case 'matmul_bias': {
      const inp = matmulInputs(c);
      return { out: matmulBias({ ...inp, sub: c.subtractRow ? inp.sub : null, M: c.M, K: c.K, N: c.N }) };
    }
    case 'topk_rows': {
      const r = topkRows(topkInputs(c), c.M, c.N, c.k, { relu: c.relu });
      return c.byLatent ? { indices: r.indices, values: r.values, byLatent: latentOrder(r.indices, c.M, c.k) } : { indices: r.indices, values: r.values };
    }
    case 'sparse_decode':
      return { out: sparseDecode({ ...decodeInputs(c), M: c.M, k: c.k, dSae: c.dSae, d: c.d }) };
    case 'sae_forward': {
      const inp = saeInputs(c);
      const pre = matmulBias({ a: inp.x, b: inp.wEnc, bias: inp.bEnc, sub: inp.bDec, M: c.M, K: c.d, N: c.dSae });
      const top = topkRows(pre, c.M, c.dSae, c.k, { relu: true });
      const out = sparseDecode({ vals: top.values, idx: top.indices, wDec: inp.wDec, bDec: inp.bDec, M: c.M, k: c.k, dSae: c.dSae, d: c.d });
      return { latent_indices: top.indices, latent_acts: top.values, sae_out: out };
    }
  }
}

const EXACT = new Set(['indices', 'values', 'latent_indices', 'byLatent']);

describe('WGSL kernels vs CPU twins (SwiftShader WebGPU)', () => {
  let p: OpenedPage;

  beforeAll(async () => {
    p = await openPage(`${baseUrl}/tests/browser/pages/blank.html`, { prefix: '[kernels]' });
    const r = await callInPage<DeviceReport>(p.page, MODULE, 'deviceReport');
    console.log(`[kernels] adapter ${r.adapter}; limits ${JSON.stringify(r.limits)}; features ${r.features.join(',') || '-'}`);
  });

  afterAll(async () => {
    await p?.close();
    await closeChromium();
  });
  expectNoErrorsPerTest(() => p);

  it.each(CASES)('$name', async (c) => {
    const r = await callInPage<CaseResult>(p.page, MODULE, 'runCase', c);
    const ref = reference(c);
    console.log(`[kernels] ${c.name}: compile ${r.compileMs.toFixed(0)} ms, run+readback ${r.runMs.toFixed(0)} ms`);
    expect(Object.keys(r.outputs).sort()).toEqual(Object.keys(ref).sort());
    for (const [name, want] of Object.entries(ref)) {
      const got = decodeTensor(r.outputs[name]);
      const label = `  ${c.kernel}.${name}`;
      // latent_acts of sae_forward: values of the same indices, so close (not exact: the encoder's sums may differ by an ulp).
      if (EXACT.has(name)) assertExact(label, got, want);
      else assertClose(label, got, want, REL_TOL);
    }
  });

  it('named errors: WGSL compile error with line, unknown binding, missing uniform', async () => {
    const r = await callInPage<Record<string, ErrorReport>>(p.page, MODULE, 'errorReports');
    console.log(`[kernels] ${JSON.stringify(r)}`);
    expect(r.compile.name).toBe('KernelCompileError');
    expect(r.compile.message).toMatch(/broken\.wgsl:\d+:\d+/);
    expect(r.binding.name).toBe('KernelBindingError');
    expect(r.binding.message).toMatch(/no binding "nope"/);
    expect(r.uniform.name).toBe('KernelBindingError');
    expect(r.uniform.message).toMatch(/uniform "d"/);
  });

  it('no console errors or page errors', () => {
    expect(p.errors).toEqual([]);
  });
});
