// The toy model of superposition (./toy-model.ts) trained with WebGPU: per step, the batch is uploaded and
// three dispatches are encoded: toy_forward_backward (per row), toy_grad_reduce (batch sums, loss into the
// step's slot of a loss-history buffer) and adam on the packed parameters (W then b). The parameters and the
// loss history are read back once, at the end. Same initialisation, batches and Adam scalars as trainToyCpu,
// which is its CPU twin. With hooks, the parameters are also read back every `every` steps (a live view, and
// a point where a cancel can arrive) and an abort stops training after the current step.
import { createBuffer, readBuffer } from '../../gpu/device';
import { compileKernel } from '../../gpu/kernel';
import { adam, adamKernel } from '../../gpu/kernels/adam';
import { toyForwardBackward, toyForwardBackwardKernel } from '../../gpu/kernels/toy_forward_backward';
import { toyGradReduce, toyGradReduceKernel } from '../../gpu/kernels/toy_grad_reduce';
import { adamScalars } from '../../sae/cpu/adam';
import { type ToyConfig, type ToyResult, adamHyper, checkToyConfig, initToyParams, splitToyParams, toyBatches, toyImportance } from './toy-model';

const F = 4;

export interface ToyTrainHooks {
  /** Steps between snapshots (the last step always gets one). */
  every: number;
  /** params: packed W [m, n] then b [n]; loss: the batch loss before step `step`'s update. */
  onSnapshot(step: number, params: Float32Array, loss: number): void;
  /** Aborting stops after the current step; the result then holds the steps trained so far. */
  signal?: AbortSignal;
}

export async function trainToyGpu(device: GPUDevice, cfg: ToyConfig, hooks?: ToyTrainHooks): Promise<ToyResult> {
  checkToyConfig(cfg);
  const { n, m, batch: B, steps } = cfg;
  const params = initToyParams(cfg);
  const P = params.length;
  const owned: GPUBuffer[] = [];
  const buf = (data: ArrayBufferView | number, label: string) => {
    const b = createBuffer(device, data, undefined, `toy:${label}`);
    owned.push(b);
    return b;
  };
  try {
    const b = {
      params: buf(params, 'params'),
      grad: buf(P * F, 'grad'),
      m: buf(P * F, 'adam-m'),
      v: buf(P * F, 'adam-v'),
      x: buf(B * n * F, 'x'), // [B, n]
      importance: buf(toyImportance(cfg), 'importance'),
      h: buf(B * m * F, 'h'), // [B, m]
      dy: buf(B * n * F, 'dy'), // [B, n]
      dh: buf(B * m * F, 'dh'), // [B, m]
      rowLoss: buf(B * F, 'row-loss'), // [B]
      lossOut: buf(Math.max(1, steps) * F, 'loss-history'), // [steps]
    };
    const fb = { B, n, m };
    await Promise.all([toyForwardBackwardKernel(fb), toyGradReduceKernel({ ...fb, lossSlot: 0 }), adamKernel({ n: P })].map((k) => compileKernel(device, k)));
    const next = toyBatches(cfg);
    const hyper = adamHyper(cfg);
    let done = 0;
    for (let t = 1; t <= steps; t++) {
      if (hooks?.signal?.aborted) break;
      const x = next();
      device.queue.writeBuffer(b.x, 0, x.buffer, x.byteOffset, x.byteLength);
      const enc = device.createCommandEncoder({ label: `toy-step-${t}` });
      toyForwardBackward(device, fb, { params: b.params, x: b.x, importance: b.importance, h: b.h, dy: b.dy, dh: b.dh, rowLoss: b.rowLoss }, enc);
      toyGradReduce(device, { ...fb, lossSlot: t - 1 }, { x: b.x, h: b.h, dy: b.dy, dh: b.dh, rowLoss: b.rowLoss, grad: b.grad, lossOut: b.lossOut }, enc);
      adam(device, { n: P }, adamScalars(hyper, t), { param: b.params, grad: b.grad, m: b.m, v: b.v }, enc);
      device.queue.submit([enc.finish()]);
      done = t;
      if (hooks && (t % hooks.every === 0 || t === steps)) {
        const [snap, lossSoFar] = await Promise.all([readBuffer(device, b.params, P * F), readBuffer(device, b.lossOut, t * F)]);
        hooks.onSnapshot(t, snap, lossSoFar[t - 1]);
      }
    }
    const trained = await readBuffer(device, b.params, P * F);
    const losses = done > 0 ? await readBuffer(device, b.lossOut, done * F) : new Float32Array(0);
    return { ...splitToyParams(trained, n, m), lossHistory: Float64Array.from(losses) };
  } finally {
    for (const o of owned) o.destroy();
  }
}
