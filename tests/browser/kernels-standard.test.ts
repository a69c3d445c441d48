// The standard (ReLU + L1) SAE trainer on SwiftShader WebGPU against its CPU twins:
// - every kernel it adds (src/gpu/kernels/{col_stats,row_norms,standard_finalize,relu_grad,dec_norm_grad,
//   dense_bias_grad}.ts, and matmul_bias' transposed / bias-free variants) on awkward sizes: floats within 1e-4 of
//   the reference's largest magnitude (maxdiff printed per tensor), u32 outputs exactly equal;
// - the whole step (src/sae/train/standard-gpu-step.ts vs src/sae/train/standard-step.ts) after 5 steps from the
//   same state and batches: parameters and Adam moments within 1e-4, parameter updates within 1e-3 of the largest
//   update, dead counters, L0 and dead counts exactly, each step's scalars within 1e-4.
// KERNELS_ONLY=<substring of a case name> runs a subset.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { colStats } from '../../src/sae/cpu/col_stats';
import { decNormGrad } from '../../src/sae/cpu/dec_norm_grad';
import { denseBiasGrad } from '../../src/sae/cpu/dense_bias_grad';
import { matmulBias } from '../../src/sae/cpu/matmul_bias';
import { reluGrad } from '../../src/sae/cpu/relu_grad';
import { rowNorms } from '../../src/sae/cpu/row_norms';
import { STANDARD_STAT, STANDARD_STATS_LEN, standardFinalize } from '../../src/sae/cpu/standard_finalize';
import { type StandardStepStats, standardTrainStep } from '../../src/sae/train/standard-step';
import { PARAM_NAMES } from '../../src/sae/train/types';
import { assertClose, assertExact } from '../reference/compare';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { expectNoErrorsPerTest } from './page-errors';
import { decodeTensor } from './pages/kernels-data';
import type { StandardTrainResult } from './pages/kernels-standard';
import type { TrainCaseResult } from './pages/kernels-train';
import {
  STANDARD_KERNEL_CASES,
  STANDARD_TRAIN_CASES,
  type StandardKernelCase,
  standardCaseConfig,
  standardCaseSetup,
  standardInputs,
} from './pages/kernels-standard-data';

const baseUrl = inject('baseUrl');
const MODULE = '/tests/browser/pages/kernels-standard.ts';
const REL_TOL = 1e-4;
const UPDATE_TOL = 1e-3;
const only = (name: string) => !process.env.KERNELS_ONLY || name.includes(process.env.KERNELS_ONLY);

type Tensors = Record<string, Float32Array | Uint32Array>;

function reference(c: StandardKernelCase): Tensors {
  const inp = standardInputs(c) as Record<string, never>;
  const f = (name: string) => inp[name] as Float32Array;
  const u = (name: string) => inp[name] as Uint32Array;
  switch (c.kernel) {
    case 'matmul_bias': {
      const { M, K, N, transA, transB } = c;
      return { out: matmulBias({ a: f('a'), b: f('b'), bias: c.bias ? f('bias') : null, sub: c.subtractRow ? f('sub') : null, M, K, N, transA, transB }) };
    }
    case 'col_stats': {
      const x = f('x');
      const r = colStats(x, c.M, c.N, { relu: c.relu });
      return c.relu ? { x, sum: r.sum, count: r.count! } : { x, sum: r.sum };
    }
    case 'row_norms':
      return { norms: rowNorms(f('w'), c.rows, c.cols) };
    case 'standard_finalize': {
      const partial = f('partial');
      let sumSqErr = 0;
      let varX = 0;
      for (let i = 0; i < c.d; i++) {
        varX += partial[i * 4];
        sumSqErr += partial[i * 4 + 1];
      }
      const sinceFired = u('sinceFired');
      const s = standardFinalize({ sumSqErr, varX, count: u('count'), sum: f('sum'), norms: f('norms'), M: c.M, deadTokens: c.deadTokens, l1Coefficient: c.l1Coefficient }, sinceFired);
      const stats = new Float32Array(STANDARD_STATS_LEN);
      for (const [name, slot] of Object.entries(STANDARD_STAT)) stats[slot] = s[name as keyof typeof STANDARD_STAT];
      return { stats, sinceFired };
    }
    case 'relu_grad': {
      const grad = f('grad');
      reluGrad(grad, f('acts'), f('norms'), c.M, c.N, c.scale);
      return { grad };
    }
    case 'dec_norm_grad': {
      const grad = f('grad');
      decNormGrad(grad, f('wDec'), f('sum'), f('norms'), c.dSae, c.d, c.scale);
      return { grad };
    }
    case 'dense_bias_grad':
      return { dbDec: denseBiasGrad(f('gSum'), f('wEnc'), f('dbEnc'), c.d, c.dSae) };
  }
}

describe('standard SAE training on WebGPU vs its CPU twins (SwiftShader WebGPU)', () => {
  let p: OpenedPage;

  beforeAll(async () => {
    p = await openPage(`${baseUrl}/tests/browser/pages/blank.html`, { prefix: '[kernels-standard]' });
  });

  afterAll(async () => {
    await p?.close();
    await closeChromium();
  });
  expectNoErrorsPerTest(() => p);

  it.each(STANDARD_KERNEL_CASES.filter((c) => only(c.name)))('$name', async (c) => {
    const r = await callInPage<TrainCaseResult>(p.page, MODULE, 'runStandardKernelCase', c);
    const ref = reference(c);
    console.log(`[kernels-standard] ${c.name}: compile ${r.compileMs.toFixed(0)} ms, run+readback ${r.runMs.toFixed(0)} ms`);
    expect(Object.keys(r.outputs).sort()).toEqual(Object.keys(ref).sort());
    for (const [name, want] of Object.entries(ref)) {
      const got = decodeTensor(r.outputs[name]);
      const label = `  ${c.kernel}.${name}`;
      if (want instanceof Uint32Array) assertExact(label, got, want);
      else assertClose(label, got, want, REL_TOL);
    }
    if (c.kernel === 'standard_finalize') {
      // The dead count and L0 are integers (over M) on both sides.
      const got = decodeTensor(r.outputs.stats);
      expect(got[STANDARD_STAT.numDead]).toBe(ref.stats[STANDARD_STAT.numDead]);
      expect(ref.stats[STANDARD_STAT.numDead]).toBeGreaterThan(0);
    }
    if (c.kernel === 'col_stats' && c.relu) expect((ref.count as Uint32Array)[3]).toBe(0);
  });

  it.each(STANDARD_TRAIN_CASES.filter((c) => only(c.name)))('whole step: $name', async (c) => {
    const r = await callInPage<StandardTrainResult>(p.page, MODULE, 'runStandardTrainCase', c);
    console.log(`[kernels-standard] ${c.name}: ${r.ms.toFixed(0)} ms on the GPU`);
    const cfg = standardCaseConfig(c);
    const { state, batches } = standardCaseSetup(c);
    const before = structuredClone(state.params);
    const stats: StandardStepStats[] = batches.map((x) => standardTrainStep(state, x, c.B, cfg, c.lr));
    expect(r.step).toBe(state.step);
    for (const [i, s] of stats.entries()) {
      const g = r.stats[i];
      console.log(
        `  step ${i + 1}: loss ${g.loss.toPrecision(7)} / ${s.loss.toPrecision(7)}  fvu ${g.fvu.toPrecision(6)} / ${s.fvu.toPrecision(6)}  ` +
          `sparsity ${g.sparsityLoss.toPrecision(6)} / ${s.sparsityLoss.toPrecision(6)}  λ ${g.l1Coefficient} / ${s.l1Coefficient}  ` +
          `l0 ${g.l0} / ${s.l0}  dead ${g.numDead} / ${s.numDead}  (gpu / cpu)`,
      );
      expect(g.numDead).toBe(s.numDead);
      expect(g.l0).toBe(Math.fround(s.l0));
      expect(g.l1Coefficient).toBe(s.l1Coefficient);
      expect(g.auxLoss).toBe(0);
      for (const key of ['loss', 'mse', 'fvu', 'sparsityLoss'] as const) expect(Math.abs(g[key] - s[key])).toBeLessThanOrEqual(REL_TOL * Math.abs(s[key]));
    }
    expect(stats.some((s) => s.numDead > 0)).toBe(true);
    expect(stats.every((s) => s.l0 > 1 && s.l0 < cfg.dSae - 1)).toBe(true);

    const got = (name: string) => decodeTensor(r.tensors[name]);
    for (const name of PARAM_NAMES) assertClose(`  ${name}`, got(name), state.params[name], REL_TOL);
    // The updates themselves (a few lr in size): a parameter-relative tolerance alone could hide a wrong step.
    const delta = (a: Float32Array, b: Float32Array) => a.map((v, i) => v - b[i]);
    for (const name of PARAM_NAMES) {
      assertClose(`  Δ${name}`, delta(got(name) as Float32Array, before[name]), delta(state.params[name], before[name]), UPDATE_TOL);
    }
    for (const name of PARAM_NAMES) assertClose(`  adam m.${name}`, got(`m.${name}`), state.m[name], REL_TOL);
    for (const name of PARAM_NAMES) assertClose(`  adam v.${name}`, got(`v.${name}`), state.v[name], REL_TOL);
    expect(Array.from(got('sinceFired'))).toEqual(Array.from(state.sinceFired));
  });

  it('no console errors or page errors', () => {
    expect(p.errors).toEqual([]);
  });
});
