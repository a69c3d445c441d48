// The toy model of superposition on WebGPU (SwiftShader in Chromium): the kernels toy_forward_backward and
// toy_grad_reduce (src/gpu/kernels/toy_*.ts) against their CPU twins (src/analysis/toy/cpu/*) on awkward sizes,
// and trainToyGpu against trainToyCpu after a few Adam steps. Floats within 1e-4 of the reference's largest
// magnitude (maxdiff printed per tensor).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { toyForwardBackward } from '../../src/analysis/toy/cpu/toy_forward_backward';
import { toyGradReduce } from '../../src/analysis/toy/cpu/toy_grad_reduce';
import { featureNorms, planarGaps, trainToyCpu } from '../../src/analysis/toy/toy-model';
import { assertClose } from '../reference/compare';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { expectNoErrorsPerTest } from './page-errors';
import { decodeTensor } from './pages/kernels-data';
import type { ToyRunResult } from './pages/toy-model';
import { TOY_KERNEL_CASES, TOY_TRAIN_CASES, toyKernelInputs } from './pages/toy-model-data';

const baseUrl = inject('baseUrl');
const MODULE = '/tests/browser/pages/toy-model.ts';
const REL_TOL = 1e-4;

describe('toy model of superposition: WGSL kernels and GPU trainer vs CPU (SwiftShader WebGPU)', () => {
  let p: OpenedPage;

  beforeAll(async () => {
    p = await openPage(`${baseUrl}/tests/browser/pages/blank.html`, { prefix: '[toy-model]' });
  });

  afterAll(async () => {
    await p?.close();
    await closeChromium();
  });
  expectNoErrorsPerTest(() => p);

  it.each(TOY_KERNEL_CASES)('$name', async (c) => {
    const r = await callInPage<ToyRunResult>(p.page, MODULE, 'runToyKernelCase', c);
    console.log(`[toy-model] ${c.name}: run+readback ${r.ms.toFixed(0)} ms`);
    const inp = toyKernelInputs(c);
    const shape = { B: c.B, n: c.n, m: c.m };
    const rows = toyForwardBackward(inp.params, inp.x, inp.importance, shape);
    const red = toyGradReduce(rows, inp.x, shape);
    const lossOut = new Float32Array(4).fill(-7);
    lossOut[c.lossSlot] = red.loss;
    const ref: Record<string, ArrayLike<number>> = { h: rows.h, dy: rows.dy, dh: rows.dh, rowLoss: rows.rowLoss, grad: red.grad, lossOut };
    expect(Object.keys(r.outputs).sort()).toEqual(Object.keys(ref).sort());
    for (const [name, want] of Object.entries(ref)) assertClose(`  toy.${name}`, decodeTensor(r.outputs[name]), want, REL_TOL);
  });

  it.each(TOY_TRAIN_CASES)('$name: trainToyGpu = trainToyCpu', async (c) => {
    const r = await callInPage<ToyRunResult>(p.page, MODULE, 'runToyTrainCase', c);
    console.log(`[toy-model] ${c.name}: GPU training ${r.ms.toFixed(0)} ms`);
    const cpu = trainToyCpu(c.cfg);
    expect(cpu.lossHistory.at(-1)!).toBeLessThan(cpu.lossHistory[0]);
    assertClose('  W', decodeTensor(r.outputs.W), cpu.W, REL_TOL);
    assertClose('  b', decodeTensor(r.outputs.b), cpu.b, REL_TOL);
    assertClose('  lossHistory', decodeTensor(r.outputs.lossHistory), cpu.lossHistory, REL_TOL);
  });

  it('trained on the GPU for 4000 steps at S = 0.97, five equal features form a regular pentagon', async () => {
    const cfg = { n: 5, m: 2, sparsity: 0.97, importanceDecay: 1, batch: 512, steps: 4000, lr: 3e-3, seed: 1 };
    const r = await callInPage<ToyRunResult>(p.page, MODULE, 'runToyTrainCase', { name: 'pentagon', cfg });
    const W = decodeTensor(r.outputs.W);
    const norms = Array.from(featureNorms(W, 5, 2));
    const { gaps } = planarGaps(W, 5, 2);
    console.log(`[toy-model] GPU pentagon in ${r.ms.toFixed(0)} ms: norms ${norms.map((v) => v.toFixed(3))} gaps ${gaps.map((g) => g.toFixed(1))}°`);
    const mean = norms.reduce((a, b) => a + b, 0) / 5;
    expect(mean).toBeGreaterThan(0.5);
    for (const v of norms) expect(Math.abs(v - mean) / mean).toBeLessThan(0.1);
    for (const g of gaps) expect(Math.abs(g - 72)).toBeLessThan(5);
  });

  it('no console errors or page errors', () => {
    expect(p.errors).toEqual([]);
  });
});
