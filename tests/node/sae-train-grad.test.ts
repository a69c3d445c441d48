// The CPU training step's gradients (src/sae/train/cpu-step.ts, sparse formulas) against central finite
// differences of the loss written out densely in float64 here, on a small SAE whose pre-activations are away
// from every top-k and ReLU boundary (so the loss is smooth around the point). AuxK's residual e = x − x̂ and
// its variance are constants of the AuxK term (as in sparsify / OpenAI), so the reference holds them fixed.
import { describe, expect, it } from 'vitest';
import { saeLossAndGrads, initSaeParams } from '../../src/sae/train/cpu-step';
import { mulberry32 } from '../../src/sae/train/rng';
import { PARAM_NAMES, type SaeParams, type SaeTrainConfig, trainConfig } from '../../src/sae/train/types';
import { centralDifferences, termShare } from '../helpers/finite-diff';
import { assertClose } from '../reference/compare';

type P64 = Record<(typeof PARAM_NAMES)[number], Float64Array>;

const MARGIN = 0.02; // pre-activations this far from the cut and from 0
const H = 1e-5;

/** Selected latents (top k, ReLU) of one row of pre among `allowed`, or null if some boundary is too close. */
function select(pre: ArrayLike<number>, k: number, allowed: (l: number) => boolean): number[] | null {
  const order = Array.from({ length: pre.length }, (_, l) => l)
    .filter(allowed)
    .sort((a, b) => pre[b] - pre[a]);
  for (const l of order) if (Math.abs(pre[l]) < MARGIN) return null;
  if (order.length > k && pre[order[k - 1]] - pre[order[k]] < MARGIN) return null;
  return order.slice(0, k);
}

interface Ref {
  loss: number;
  /** x − x̂ at this point, for freezing AuxK's target. */
  e: Float64Array;
  varE: number;
  ok: boolean;
}

/** The loss, densely in float64. With `frozen`, AuxK uses that e and varE (the constants of the analytic gradient). */
function loss64(p: P64, x: Float64Array, B: number, cfg: SaeTrainConfig, dead: boolean[], frozen?: { e: Float64Array; varE: number }): Ref {
  const { dIn: d, dSae: S, k, kAux } = cfg;
  let ok = true;
  let sq = 0;
  const e = new Float64Array(B * d);
  const ehat = new Float64Array(B * d);
  for (let r = 0; r < B; r++) {
    const pre = new Float64Array(S);
    for (let l = 0; l < S; l++) {
      let s = p.b_enc[l];
      for (let c = 0; c < d; c++) s += (x[r * d + c] - p.b_dec[c]) * p.W_enc[c * S + l];
      pre[l] = s;
    }
    const top = select(pre, k, () => true);
    const atop = select(pre, kAux, (l) => dead[l]);
    if (!top || !atop) ok = false;
    for (let c = 0; c < d; c++) {
      let xh = p.b_dec[c];
      for (const l of top ?? []) xh += Math.max(pre[l], 0) * p.W_dec[l * d + c];
      let eh = 0;
      for (const l of atop ?? []) eh += Math.max(pre[l], 0) * p.W_dec[l * d + c];
      e[r * d + c] = x[r * d + c] - xh;
      ehat[r * d + c] = eh;
      sq += (x[r * d + c] - xh) ** 2;
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
  const anyDead = dead.some(Boolean);
  return { loss: sq / B + (anyDead ? (cfg.auxCoef * auxSq) / varE : 0), e, varE, ok };
}

function to64(p: SaeParams): P64 {
  return { W_enc: Float64Array.from(p.W_enc), b_enc: Float64Array.from(p.b_enc), W_dec: Float64Array.from(p.W_dec), b_dec: Float64Array.from(p.b_dec) };
}

/** A seeded problem whose point is at least MARGIN from every selection boundary (tries seeds in order). */
function problem(cfg: SaeTrainConfig, B: number, sinceFired: Uint32Array, firstSeed: number) {
  const dead = Array.from(sinceFired, (s) => s >= cfg.deadTokens);
  for (let seed = firstSeed; seed < firstSeed + 1000; seed++) {
    const r = mulberry32(seed);
    const u = (n: number, s: number) => Float32Array.from({ length: n }, () => (2 * r() - 1) * s);
    const p = initSaeParams(cfg, seed);
    p.b_enc = u(cfg.dSae, 0.1);
    p.b_dec = u(cfg.dIn, 0.2);
    for (let i = 0; i < p.W_dec.length; i++) p.W_dec[i] *= 1 + 0.3 * r(); // not unit: the gradient must not assume it
    const x = u(B * cfg.dIn, 1);
    const ref = loss64(to64(p), Float64Array.from(x), B, cfg, dead);
    if (ref.ok) return { p, x, dead, seed };
  }
  throw new Error('no seed with all pre-activations away from the top-k boundaries');
}

describe('TopK SAE gradients vs central finite differences (float64)', () => {
  const B = 5;
  const cases: { name: string; over: Partial<SaeTrainConfig>; deadMask: number[] }[] = [
    { name: 'MSE + AuxK (coef 1/32), 5 of 10 latents dead', over: {}, deadMask: [0, 1, 0, 1, 1, 0, 0, 1, 0, 1] },
    { name: 'AuxK weighted 1 (its gradient dominates the check), 4 dead', over: { auxCoef: 1 }, deadMask: [1, 0, 0, 1, 0, 1, 0, 0, 1, 0] },
    { name: 'no dead latents (MSE only)', over: {}, deadMask: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
    { name: 'AuxK off (auxCoef 0) with dead latents', over: { auxCoef: 0 }, deadMask: [1, 1, 1, 1, 1, 0, 0, 0, 0, 0] },
  ];

  it.each(cases)('$name', ({ over, deadMask }) => {
    const cfg = trainConfig({ dIn: 6, dSae: 10, k: 3, deadTokens: 100, ...over });
    expect(cfg.kAux).toBe(3);
    const sinceFired = Uint32Array.from(deadMask, (m, l) => (m ? 100 + l : l * 7));
    const { p, x, dead } = problem(cfg, B, sinceFired, 1);
    const got = saeLossAndGrads(p, x, B, cfg, sinceFired);

    const p64 = to64(p);
    const x64 = Float64Array.from(x);
    const at = loss64(p64, x64, B, cfg, dead);
    const frozen = { e: at.e, varE: at.varE };
    console.log(`loss: twin ${got.stats.loss.toPrecision(8)} float64 ${at.loss.toPrecision(8)}; dead ${got.forward.numDead}; aux ${got.stats.auxLoss.toPrecision(6)}`);
    expect(Math.abs(got.stats.loss - at.loss)).toBeLessThan(1e-5 * Math.abs(at.loss));
    if (cfg.auxCoef > 0 && dead.some(Boolean)) expect(got.forward.aux).not.toBeNull();
    else expect(got.forward.aux).toBeNull();

    for (const name of PARAM_NAMES) {
      const fd = centralDifferences(p64[name], H, () => loss64(p64, x64, B, cfg, dead, frozen));
      assertClose(`d loss / d ${name}`, got.grads[name], fd, 1e-5);
      expect(fd.some((g) => g !== 0)).toBe(true);
    }
    if (got.forward.aux) {
      // The AuxK term's share of the gradient is large enough that the check above would catch its omission.
      const mseOnly = saeLossAndGrads(p, x, B, { ...cfg, auxCoef: 0 }, sinceFired);
      for (const name of PARAM_NAMES) {
        const share = termShare(got.grads[name], mseOnly.grads[name]);
        console.log(`  AuxK share of d loss / d ${name}: ${share.toExponential(2)}`);
        expect(share).toBeGreaterThan(1e-3);
      }
    }
  });
});
