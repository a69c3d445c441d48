// The WebGPU TopK / BatchTopK SAE trainer (src/sae/train/gpu-step.ts) against the CPU twin
// (src/sae/train/cpu-step.ts): from the same state and batches, after 1 and 5 steps every parameter (and Adam
// moment) agrees within 1e-4 of the reference's largest magnitude, the dead counters, L0 and capped rows exactly,
// each step's statistics and the batchtopk threshold within 1e-4; the parameter updates (after − before) agree
// within 1e-3 of the largest update.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cpuTrainStep } from '../../src/sae/train/cpu-step';
import { PARAM_NAMES, type StepStats } from '../../src/sae/train/types';
import { assertClose } from '../reference/compare';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { expectNoErrorsPerTest } from './page-errors';
import { decodeTensor } from './pages/kernels-data';
import type { SaeTrainResult } from './pages/sae-train';
import { SAE_TRAIN_CASES, caseConfig, caseSetup } from './pages/sae-train-data';

const baseUrl = inject('baseUrl');
const MODULE = '/tests/browser/pages/sae-train.ts';
const REL_TOL = 1e-4;
const UPDATE_TOL = 1e-3;

describe('WebGPU SAE training step vs the CPU twin (SwiftShader WebGPU)', () => {
  let p: OpenedPage;

  beforeAll(async () => {
    p = await openPage(`${baseUrl}/tests/browser/pages/blank.html`, { prefix: '[sae-train]' });
  });

  afterAll(async () => {
    await p?.close();
    await closeChromium();
  });
  expectNoErrorsPerTest(() => p);

  it.each(SAE_TRAIN_CASES)('$name', async (c) => {
    const r = await callInPage<SaeTrainResult>(p.page, MODULE, 'runSaeTrainCase', c);
    console.log(`[sae-train] ${c.name}: ${r.ms.toFixed(0)} ms on the GPU`);
    const cfg = caseConfig(c);
    const { state, batches } = caseSetup(c);
    const before = structuredClone(state.params);
    const stats: StepStats[] = batches.map((x) => cpuTrainStep(state, x, c.B, cfg, c.lr));
    expect(r.step).toBe(state.step);
    expect(r.threshold === undefined).toBe(state.threshold === undefined);
    if (cfg.architecture === 'batchtopk') {
      expect(Math.abs(r.threshold! - state.threshold!)).toBeLessThanOrEqual(REL_TOL * state.threshold!);
      // Enough positive candidates: every step keeps exactly ⌊B·k⌋.
      expect(stats.every((s) => s.l0 === Math.floor(c.B * c.k) / c.B)).toBe(true);
    }

    for (const [i, s] of stats.entries()) {
      const g = r.stats[i];
      console.log(
        `  step ${i + 1}: loss ${g.loss.toPrecision(7)} / ${s.loss.toPrecision(7)}  fvu ${g.fvu.toPrecision(6)} / ${s.fvu.toPrecision(6)}  ` +
          `aux ${g.auxLoss.toPrecision(6)} / ${s.auxLoss.toPrecision(6)}  dead ${g.numDead} / ${s.numDead}  l0 ${g.l0} / ${s.l0}` +
          (s.threshold !== undefined ? `  threshold ${g.threshold} / ${s.threshold}  capped ${g.cappedRows} / ${s.cappedRows}` : '') +
          '  (gpu / cpu)',
      );
      expect(g.numDead).toBe(s.numDead);
      expect(g.l0).toBe(s.l0);
      expect(g.cappedRows).toBe(s.cappedRows);
      if (s.threshold !== undefined) expect(Math.abs(g.threshold! - s.threshold)).toBeLessThanOrEqual(REL_TOL * Math.abs(s.threshold));
      else expect(g.threshold).toBeUndefined();
      for (const key of ['loss', 'mse', 'fvu', 'auxLoss'] as const) expect(Math.abs(g[key] - s[key])).toBeLessThanOrEqual(REL_TOL * Math.abs(s[key]));
    }
    if (cfg.auxCoef > 0) expect(stats.some((s) => s.numDead > 0 && s.auxLoss > 0)).toBe(true);

    const got = (name: string) => decodeTensor(r.tensors[name]);
    for (const name of PARAM_NAMES) assertClose(`  ${name}`, got(name), state.params[name], REL_TOL);
    // The updates themselves (a few lr in size): a parameter-relative tolerance alone could hide a wrong step.
    // Float32 rounding of the parameters (≈ 6e-8 near 0.5) bounds how closely updates of 1e-3 can agree.
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
