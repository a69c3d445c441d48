// Runs inside the page: the batch_topk kernel (src/gpu/kernels/batch_topk.ts) on a case's seeded candidates
// (./kernels-batchtopk-data.ts); returns the zeroed values and the result words as base64. The CPU twin runs in
// ../kernels-batchtopk.test.ts.
import { createBuffer, readBuffer } from '../../../src/gpu/device';
import { compileKernel } from '../../../src/gpu/kernel';
import { BATCH_TOPK_RESULT_LEN, batchTopk, batchTopkKernel } from '../../../src/gpu/kernels/batch_topk';
import { type BatchTopkCase, batchTopkInputs } from './kernels-batchtopk-data';
import { type EncodedTensor, encodeTensor } from './kernels-data';
import { device, withErrorScopes } from './kernels-train';

export interface BatchTopkCaseResult {
  vals: EncodedTensor;
  result: EncodedTensor;
  ms: number;
}

export async function runBatchTopkCase(c: BatchTopkCase): Promise<BatchTopkCaseResult> {
  const d = await device();
  return withErrorScopes(d, c.name, async () => {
    const vals = createBuffer(d, batchTopkInputs(c), undefined, 'vals');
    const init = new Uint32Array(BATCH_TOPK_RESULT_LEN).fill(0xdeadbeef); // garbage except the running mean
    new Float32Array(init.buffer)[2] = c.threshold;
    const result = createBuffer(d, init, undefined, 'result');
    try {
      const p = { M: c.M, kCand: c.kCand, keep: c.keep, emaRate: c.emaRate, capRows: c.capRows };
      await compileKernel(d, batchTopkKernel(p));
      const t0 = performance.now();
      batchTopk(d, p, { vals, result });
      const out = await readBuffer(d, vals, c.M * c.kCand * 4);
      const words = await readBuffer(d, result, BATCH_TOPK_RESULT_LEN * 4, 'u32');
      return { vals: encodeTensor(out), result: encodeTensor(words), ms: performance.now() - t0 };
    } finally {
      vals.destroy();
      result.destroy();
    }
  });
}
