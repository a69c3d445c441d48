// The batch_topk kernel (src/gpu/kernels/batch_topk.ts + shaders/batch_topk.wgsl) against its CPU twin
// (src/sae/cpu/batch_topk.ts) in Chromium on SwiftShader WebGPU, on awkward sizes: ties straddling the cut,
// rows of non-positive candidates, −0s, keep above the positives, keep = 0, count-only, one row, one slot per row.
// The zeroed values and the counts must match exactly; the running mean within 1e-6 relative.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeBatchTopkResult } from '../../src/gpu/kernels/batch_topk';
import { batchTopk } from '../../src/sae/cpu/batch_topk';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { expectNoErrorsPerTest } from './page-errors';
import type { BatchTopkCaseResult } from './pages/kernels-batchtopk';
import { BATCH_TOPK_CASES, batchTopkInputs } from './pages/kernels-batchtopk-data';
import { decodeTensor } from './pages/kernels-data';

const baseUrl = inject('baseUrl');
const MODULE = '/tests/browser/pages/kernels-batchtopk.ts';

describe('batch_topk WGSL kernel vs its CPU twin (SwiftShader WebGPU)', () => {
  let p: OpenedPage;

  beforeAll(async () => {
    p = await openPage(`${baseUrl}/tests/browser/pages/blank.html`, { prefix: '[kernels-batchtopk]' });
  });

  afterAll(async () => {
    await p?.close();
    await closeChromium();
  });
  expectNoErrorsPerTest(() => p);

  it.each(BATCH_TOPK_CASES)('$name', async (c) => {
    const r = await callInPage<BatchTopkCaseResult>(p.page, MODULE, 'runBatchTopkCase', c);
    const vals = batchTopkInputs(c);
    const positives = vals.filter((v) => v > 0).length;
    const ref = batchTopk(vals, c.M, c.kCand, c.keep, { threshold: c.threshold, emaRate: c.emaRate, capRows: c.capRows });
    const got = decodeBatchTopkResult(decodeTensor(r.result) as Uint32Array);
    const gotVals = decodeTensor(r.vals);
    let mismatches = 0;
    for (let i = 0; i < vals.length; i++) if (!Object.is(gotVals[i], vals[i])) mismatches++;
    console.log(
      `[kernels-batchtopk] ${c.name}: ${r.ms.toFixed(0)} ms; positives ${positives}; kept ${got.kept} / ${ref.kept}, ` +
        `min ${got.minKept} / ${ref.minKept}, threshold ${got.threshold} / ${ref.threshold}, capped ${got.cappedRows} / ${ref.cappedRows} ` +
        `(gpu / cpu); vals: ${mismatches} mismatches`,
    );
    expect(mismatches).toBe(0);
    expect(got.kept).toBe(ref.kept);
    expect(ref.kept).toBe(Math.min(c.keep, positives));
    expect(got.minKept).toBe(ref.minKept);
    expect(got.cappedRows).toBe(ref.cappedRows);
    expect(Math.abs(got.threshold - ref.threshold)).toBeLessThanOrEqual(1e-6 * Math.max(Math.abs(ref.threshold), 1e-30));
  });

  it('no console errors or page errors', () => {
    expect(p.errors).toEqual([]);
  });
});
