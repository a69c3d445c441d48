// Runs inside the page: the toy-model kernels (src/gpu/kernels/toy_*.ts) on a case's seeded inputs and
// trainToyGpu on a case's config (./toy-model-data.ts), returning tensors as base64. The CPU twins run in
// ../toy-model.test.ts.
import { trainToyGpu } from '../../../src/analysis/toy/toy-gpu';
import { createBuffer, readBuffer } from '../../../src/gpu/device';
import { compileKernel } from '../../../src/gpu/kernel';
import { toyForwardBackward, toyForwardBackwardKernel } from '../../../src/gpu/kernels/toy_forward_backward';
import { toyGradReduce, toyGradReduceKernel } from '../../../src/gpu/kernels/toy_grad_reduce';
import { type EncodedTensor, encodeTensor } from './kernels-data';
import { device, withErrorScopes } from './kernels-train';
import { type ToyKernelCase, type ToyTrainCase, toyKernelInputs } from './toy-model-data';

const F = 4;

export interface ToyRunResult {
  outputs: Record<string, EncodedTensor>;
  ms: number;
}

export async function runToyKernelCase(c: ToyKernelCase): Promise<ToyRunResult> {
  const d = await device();
  const owned: GPUBuffer[] = [];
  const buf = (data: ArrayBufferView | number, label: string) => {
    const b = createBuffer(d, data, undefined, label);
    owned.push(b);
    return b;
  };
  return withErrorScopes(d, c.name, async () => {
    try {
      const inp = toyKernelInputs(c);
      const { B, n, m } = c;
      const P = m * n + n;
      const bufs = {
        params: buf(inp.params, 'params'),
        x: buf(inp.x, 'x'),
        importance: buf(inp.importance, 'importance'),
        h: buf(B * m * F, 'h'),
        dy: buf(B * n * F, 'dy'),
        dh: buf(B * m * F, 'dh'),
        rowLoss: buf(B * F, 'rowLoss'),
        grad: buf(P * F, 'grad'),
        // Garbage everywhere but the loss slot, so a write to the wrong slot shows.
        lossOut: buf(new Float32Array(4).fill(-7), 'lossOut'),
      };
      const pf = { B, n, m, maxGridDim: c.maxGridDim };
      const pr = { ...pf, lossSlot: c.lossSlot };
      await Promise.all([compileKernel(d, toyForwardBackwardKernel(pf)), compileKernel(d, toyGradReduceKernel(pr))]);
      const t0 = performance.now();
      const enc = d.createCommandEncoder({ label: c.name });
      toyForwardBackward(d, pf, { params: bufs.params, x: bufs.x, importance: bufs.importance, h: bufs.h, dy: bufs.dy, dh: bufs.dh, rowLoss: bufs.rowLoss }, enc);
      toyGradReduce(d, pr, { x: bufs.x, h: bufs.h, dy: bufs.dy, dh: bufs.dh, rowLoss: bufs.rowLoss, grad: bufs.grad, lossOut: bufs.lossOut }, enc);
      d.queue.submit([enc.finish()]);
      const outputs: Record<string, EncodedTensor> = {};
      const reads: [string, GPUBuffer, number][] = [['h', bufs.h, B * m], ['dy', bufs.dy, B * n], ['dh', bufs.dh, B * m], ['rowLoss', bufs.rowLoss, B], ['grad', bufs.grad, P], ['lossOut', bufs.lossOut, 4]];
      for (const [name, b, len] of reads) outputs[name] = encodeTensor(await readBuffer(d, b, len * F));
      return { outputs, ms: performance.now() - t0 };
    } finally {
      for (const b of owned) b.destroy();
    }
  });
}

export async function runToyTrainCase(c: ToyTrainCase): Promise<ToyRunResult> {
  const d = await device();
  return withErrorScopes(d, c.name, async () => {
    const t0 = performance.now();
    const r = await trainToyGpu(d, c.cfg);
    return { outputs: { W: encodeTensor(r.W), b: encodeTensor(r.b), lossHistory: encodeTensor(Float32Array.from(r.lossHistory)) }, ms: performance.now() - t0 };
  });
}
