// A stream training on the WebGPU trainer equals the same stream training on the CPU twin (SwiftShader WebGPU):
// 5 steps on awkward sizes (d_in 37, d_sae 129, k 5, B 23, blocks of 2 steps, AuxK on), parameters within the
// existing GPU-vs-twin tolerance (1e-4 of the largest magnitude, as tests/browser/sae-train.test.ts).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { assertClose } from '../reference/compare';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { decodeTensor } from './pages/kernels-data';
import type { streamGpuVsTwin } from './pages/stream-gpu';

let p: OpenedPage;
beforeAll(async () => {
  p = await openPage(`${inject('baseUrl')}/tests/browser/pages/blank.html`, { prefix: '[stream-gpu]' });
});
afterAll(async () => {
  await p?.close();
  await closeChromium();
});

describe('stream training on WebGPU', () => {
  it('equals the CPU twin over the same stream', async () => {
    const r = await callInPage<Awaited<ReturnType<typeof streamGpuVsTwin>>>(p.page, '/tests/browser/pages/stream-gpu.ts', 'streamGpuVsTwin');
    expect(r.steps).toEqual({ gpu: 5, cpu: 5 });
    for (const name of ['W_enc', 'b_enc', 'W_dec', 'b_dec']) assertClose(name, decodeTensor(r.gpu[name]) as Float32Array, decodeTensor(r.cpu[name]) as Float32Array, 1e-4);
  });
});
