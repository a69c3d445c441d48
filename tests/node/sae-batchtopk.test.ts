// BatchTopK training on the CPU twin (src/sae/train/cpu-step.ts with architecture 'batchtopk'):
//  - its forward selection equals the independent reference ARCHITECTURES.batchtopk.activate (src/sae/architectures.ts)
//    when kCand = d_sae, ties included, and with kCand < d_sae whenever no row is capped; a capped row keeps its
//    kCand best;
//  - its gradients equal central finite differences of the loss written out densely in float64 (at a point away
//    from the batch cut, from 0 and from AuxK's per-row cut);
//  - the running threshold follows SAELens' topk_threshold (from 0, rate 0.01, the smallest kept activation);
//  - the config rules (fractional k, kCand bounds).
import { describe, expect, it } from 'vitest';
import { ARCHITECTURES } from '../../src/sae/architectures';
import { cpuTrainStep, initSaeParams, saeForward, saeLossAndGrads } from '../../src/sae/train/cpu-step';
import { mulberry32 } from '../../src/sae/train/rng';
import { PARAM_NAMES, type SaeParams, type SaeTrainConfig, THRESHOLD_EMA_RATE, initTrainState, trainConfig } from '../../src/sae/train/types';
import { centralDifferences } from '../helpers/finite-diff';
import { assertClose } from '../reference/compare';

/** The forward's selection scattered into dense acts [B, d_sae]. */
function denseActs(f: { indices: Uint32Array; acts: Float32Array }, B: number, slots: number, dSae: number): Float32Array {
  const out = new Float32Array(B * dSae);
  for (let m = 0; m < B; m++) for (let j = 0; j < slots; j++) out[m * dSae + f.indices[m * slots + j]] += f.acts[m * slots + j];
  return out;
}

function randomProblem(cfg: SaeTrainConfig, B: number, seed: number, grid = 0) {
  const r = mulberry32(seed);
  const q = (v: number) => (grid ? Math.round(v / grid) * grid : v); // on a coarse grid many pre-activations tie
  const u = (n: number, s: number) => Float32Array.from({ length: n }, () => q((2 * r() - 1) * s));
  const p = initSaeParams(cfg, seed);
  if (grid) p.W_enc = p.W_enc.map((v) => q(v));
  p.b_enc = u(cfg.dSae, 0.1);
  p.b_dec = u(cfg.dIn, 0.2);
  return { p, x: u(B * cfg.dIn, 1) };
}

describe('BatchTopK forward vs ARCHITECTURES.batchtopk', () => {
  const cases = [
    { name: 'random, k 2.7, B 13', k: 2.7, B: 13, grid: 0 },
    { name: 'ties on a 1/4 grid, k 3, B 11', k: 3, B: 11, grid: 0.25 },
    { name: 'keep exceeds the positives (k 20 of 24)', k: 20, B: 5, grid: 0 },
    { name: 'k 0.1 with B 7: keeps nothing', k: 0.1, B: 7, grid: 0 },
  ];
  it.each(cases)('$name', ({ k, B, grid }) => {
    const cfg = trainConfig({ dIn: 8, dSae: 24, k, architecture: 'batchtopk', kCand: 24, deadTokens: 100 });
    const { p, x } = randomProblem(cfg, B, 3, grid);
    const f = saeForward(p, x, B, cfg, new Uint32Array(cfg.dSae));
    const ref = ARCHITECTURES.batchtopk.activate(f.pre, B, cfg.dSae, { k });
    const got = denseActs(f, B, 24, cfg.dSae);
    const positives = f.pre.filter((v) => v > 0).length;
    let ties = 0;
    const kept = Array.from(ref).filter((v) => v > 0);
    for (const v of kept) if (Array.from(f.pre).filter((w) => w === v).length > 1) ties++;
    console.log(`B ${B} k ${k}: kept ${f.active} of ${positives} positive; ${ties} kept values tie with another pre-activation; threshold → ${f.batch!.threshold}`);
    expect(Array.from(got)).toEqual(Array.from(ref));
    expect(f.active).toBe(Math.min(Math.floor(B * k), positives));
    expect(f.batch!.cappedRows).toBe(0);
    if (grid) expect(ties).toBeGreaterThan(0);
  });

  it('kCand < d_sae: the reference wherever no row is capped; a capped row keeps its kCand best', () => {
    const B = 16;
    const full = trainConfig({ dIn: 8, dSae: 24, k: 4, architecture: 'batchtopk', kCand: 24 });
    const { p, x } = randomProblem(full, B, 5);
    // Row 3 gets a large input: it wants more than kCand of the batch's latents.
    for (let c = 0; c < 8; c++) x[3 * 8 + c] *= 8;
    const ref = ARCHITECTURES.batchtopk.activate(saeForward(p, x, B, full, new Uint32Array(24)).pre, B, 24, { k: 4 });
    const perRow = (a: Float32Array, m: number) => a.subarray(m * 24, (m + 1) * 24).filter((v) => v > 0).length;
    for (const kCand of [12, 6]) {
      const cfg = { ...full, kCand };
      const f = saeForward(p, x, B, cfg, new Uint32Array(24));
      const got = denseActs(f, B, kCand, 24);
      const capped = Array.from({ length: B }, (_, m) => m).filter((m) => perRow(got, m) === kCand);
      console.log(`kCand ${kCand}: row 3 keeps ${perRow(ref, 3)} in the reference; capped rows ${f.batch!.cappedRows} (${capped.join(', ')})`);
      expect(f.batch!.cappedRows).toBe(capped.length);
      if (capped.length === 0) {
        expect(Array.from(got)).toEqual(Array.from(ref));
        continue;
      }
      // A capped row keeps its kCand largest; other rows keep a superset of the reference's choice (the cut moved down).
      for (const m of capped) {
        const row = Array.from(f.pre.subarray(m * 24, (m + 1) * 24));
        const best = [...row].sort((a, b) => b - a).slice(0, kCand);
        expect(Array.from(got.subarray(m * 24, (m + 1) * 24)).filter((v) => v > 0).sort((a, b) => b - a)).toEqual(best);
      }
      for (let i = 0; i < B * 24; i++) if (!capped.includes(Math.floor(i / 24)) && ref[i] > 0) expect(got[i]).toBe(ref[i]);
      expect(f.active).toBe(Math.floor(B * 4));
    }
  });
});

describe('BatchTopK running threshold (SAELens topk_threshold)', () => {
  it('starts at 0 and moves 1% of the way to each batch’s smallest kept activation', () => {
    expect(THRESHOLD_EMA_RATE).toBe(0.01);
    const cfg = trainConfig({ dIn: 8, dSae: 24, k: 3, architecture: 'batchtopk' });
    const { p, x } = randomProblem(cfg, 12, 9);
    const state = initTrainState(p);
    expect(state.threshold).toBeUndefined();
    let expected = 0;
    for (let i = 0; i < 4; i++) {
      const f = saeForward(state.params, x, 12, cfg, state.sinceFired);
      const minKept = Math.min(...Array.from(f.acts).filter((v) => v > 0));
      expected = 0.99 * expected + 0.01 * minKept;
      const s = cpuTrainStep(state, x, 12, cfg, 1e-3);
      expect(s.threshold).toBe(state.threshold);
      expect(Math.abs(state.threshold! - expected)).toBeLessThan(1e-6 * expected);
      expect(s.l0).toBe(Math.floor(12 * 3) / 12);
    }
  });

  it('topk reports l0 (positive activations per row) and no threshold', () => {
    const cfg = trainConfig({ dIn: 8, dSae: 24, k: 3 });
    const { p, x } = randomProblem(cfg, 12, 9);
    const state = initTrainState(p);
    const s = cpuTrainStep(state, x, 12, cfg, 1e-3);
    expect(s.l0).toBeGreaterThan(0);
    expect(s.l0).toBeLessThanOrEqual(3);
    expect(s.threshold).toBeUndefined();
    expect(state.threshold).toBeUndefined();
  });
});

describe('BatchTopK config', () => {
  it('fills kCand, takes a fractional k, and rejects k above kCand', () => {
    expect(trainConfig({ dIn: 8, dSae: 1000, k: 32, architecture: 'batchtopk' }).kCand).toBe(128);
    expect(trainConfig({ dIn: 8, dSae: 1000, k: 8, architecture: 'batchtopk' }).kCand).toBe(64);
    expect(trainConfig({ dIn: 8, dSae: 40, k: 8, architecture: 'batchtopk' }).kCand).toBe(40);
    expect(trainConfig({ dIn: 8, dSae: 1000, k: 100, architecture: 'batchtopk' }).kCand).toBe(400);
    // The cap is topk_rows' MAX_TOPK = 1024 (research k up to 512 gets 2k candidates, no longer 4k).
    expect(trainConfig({ dIn: 8, dSae: 5000, k: 512, architecture: 'batchtopk' }).kCand).toBe(1024);
    expect(trainConfig({ dIn: 8, dSae: 1000, k: 300, architecture: 'batchtopk' }).kCand).toBe(1000);
    expect(trainConfig({ dIn: 8, dSae: 40, k: 2.5, architecture: 'batchtopk' }).k).toBe(2.5);
    expect(() => trainConfig({ dIn: 8, dSae: 40, k: 2.5 })).toThrow(/k = 2.5 must be in 1/);
    expect(() => trainConfig({ dIn: 8, dSae: 40, k: 9, kCand: 8, architecture: 'batchtopk' })).toThrow(/raise kCand or lower k/);
    expect(() => trainConfig({ dIn: 8, dSae: 2000, k: 9, kCand: 1100, architecture: 'batchtopk' })).toThrow(/kCand = 1100 must be in 1\.\.min\(d_sae = 2000, 1024\)/);
    expect(() => trainConfig({ dIn: 8, dSae: 40, k: 0, architecture: 'batchtopk' })).toThrow(/must be in \(0, kCand/);
  });
});

// ---------------------------------------------------------------- gradients vs finite differences

type P64 = Record<(typeof PARAM_NAMES)[number], Float64Array>;
const MARGIN = 0.02;
const H = 1e-5;

/** The batchtopk loss densely in float64 (AuxK's e and varE frozen when given); ok = false near any cut. */
function loss64(p: P64, x: Float64Array, B: number, cfg: SaeTrainConfig, dead: boolean[], frozen?: { e: Float64Array; varE: number }) {
  const { dIn: d, dSae: S, kAux } = cfg;
  const pre = new Float64Array(B * S);
  for (let r = 0; r < B; r++) {
    for (let l = 0; l < S; l++) {
      let s = p.b_enc[l];
      for (let c = 0; c < d; c++) s += (x[r * d + c] - p.b_dec[c]) * p.W_enc[c * S + l];
      pre[r * S + l] = s;
    }
  }
  let ok = pre.every((v) => Math.abs(v) >= MARGIN);
  const pos = Array.from({ length: B * S }, (_, i) => i).filter((i) => pre[i] > 0).sort((a, b) => pre[b] - pre[a]);
  const keep = Math.floor(cfg.k * B);
  if (pos.length > keep && keep > 0 && pre[pos[keep - 1]] - pre[pos[keep]] < MARGIN) ok = false;
  const kept = new Set(pos.slice(0, keep));
  const e = new Float64Array(B * d);
  const ehat = new Float64Array(B * d);
  let sq = 0;
  for (let r = 0; r < B; r++) {
    const deadOrder = Array.from({ length: S }, (_, l) => l).filter((l) => dead[l]).sort((a, b) => pre[r * S + b] - pre[r * S + a]);
    if (deadOrder.length > kAux && pre[r * S + deadOrder[kAux - 1]] - pre[r * S + deadOrder[kAux]] < MARGIN) ok = false;
    const atop = deadOrder.slice(0, kAux);
    for (let c = 0; c < d; c++) {
      let xh = p.b_dec[c];
      for (let l = 0; l < S; l++) if (kept.has(r * S + l)) xh += pre[r * S + l] * p.W_dec[l * d + c];
      let eh = 0;
      for (const l of atop) eh += Math.max(pre[r * S + l], 0) * p.W_dec[l * d + c];
      e[r * d + c] = x[r * d + c] - xh;
      ehat[r * d + c] = eh;
      sq += e[r * d + c] ** 2;
    }
  }
  const E = frozen?.e ?? e;
  let varE = frozen?.varE ?? 0;
  if (!frozen) {
    for (let c = 0; c < d; c++) {
      let mean = 0;
      for (let r = 0; r < B; r++) mean += E[r * d + c] / B;
      for (let r = 0; r < B; r++) varE += (E[r * d + c] - mean) ** 2;
    }
  }
  let auxSq = 0;
  for (let i = 0; i < B * d; i++) auxSq += (E[i] - ehat[i]) ** 2;
  const aux = cfg.auxCoef > 0 && dead.some(Boolean);
  return { loss: sq / B + (aux ? (cfg.auxCoef * auxSq) / varE : 0), e, varE, ok };
}

const to64 = (p: SaeParams): P64 => ({
  W_enc: Float64Array.from(p.W_enc),
  b_enc: Float64Array.from(p.b_enc),
  W_dec: Float64Array.from(p.W_dec),
  b_dec: Float64Array.from(p.b_dec),
});

describe('BatchTopK gradients vs central finite differences (float64)', () => {
  const B = 5;
  const cases = [
    { name: 'k 2.6 (13 of 50 kept), AuxK with 4 of 10 dead', k: 2.6, kCand: 10, deadMask: [1, 0, 0, 1, 0, 1, 0, 0, 1, 0], auxCoef: 1 / 32 },
    { name: 'k 1.4, kCand 6 < d_sae (no row capped), AuxK weighted 1', k: 1.4, kCand: 6, deadMask: [0, 1, 0, 1, 1, 0, 0, 1, 0, 1], auxCoef: 1 },
    { name: 'k 3, no dead latents', k: 3, kCand: 10, deadMask: new Array(10).fill(0), auxCoef: 1 / 32 },
  ];
  it.each(cases)('$name', ({ k, kCand, deadMask, auxCoef }) => {
    const cfg = trainConfig({ dIn: 6, dSae: 10, k, kCand, architecture: 'batchtopk', deadTokens: 100, auxCoef });
    const sinceFired = Uint32Array.from(deadMask, (m, l) => (m ? 100 + l : l * 7));
    const dead = deadMask.map(Boolean);
    let found: { p: SaeParams; x: Float32Array } | null = null;
    for (let seed = 1; seed < 2000 && !found; seed++) {
      const { p, x } = randomProblem(cfg, B, seed);
      for (let i = 0; i < p.W_dec.length; i++) p.W_dec[i] *= 1 + 0.3 * ((i * 7919) % 13) / 13; // not unit norm
      if (!loss64(to64(p), Float64Array.from(x), B, cfg, dead).ok) continue;
      if (saeForward(p, x, B, cfg, sinceFired).batch!.cappedRows > 0) continue;
      found = { p, x };
    }
    expect(found).not.toBeNull();
    const { p, x } = found!;
    const got = saeLossAndGrads(p, x, B, cfg, sinceFired);
    const p64 = to64(p);
    const x64 = Float64Array.from(x);
    const at = loss64(p64, x64, B, cfg, dead);
    const frozen = { e: at.e, varE: at.varE };
    console.log(`loss: twin ${got.stats.loss.toPrecision(8)} float64 ${at.loss.toPrecision(8)}; kept ${got.forward.active}; aux ${got.stats.auxLoss.toPrecision(6)}`);
    expect(got.forward.active).toBe(Math.floor(k * B));
    expect(Math.abs(got.stats.loss - at.loss)).toBeLessThan(1e-5 * Math.abs(at.loss));
    for (const name of PARAM_NAMES) {
      const fd = centralDifferences(p64[name], H, () => loss64(p64, x64, B, cfg, dead, frozen));
      assertClose(`d loss / d ${name}`, got.grads[name], fd, 1e-5);
      expect(fd.some((g) => g !== 0)).toBe(true);
    }
  });
});
