// The JumpReLU SAE's CPU step (src/sae/train/jumprelu-step.ts) against float64 central finite differences of the
// smoothed objective its pseudo-derivatives stand for (Rajamanoharan et al. 2024, §4): the Heaviside step H(z − θ)
// is smoothed, in its dependence on θ only, by the rectangle kernel's CDF
//   H_ε(u) = clamp(u / ε + ½, 0, 1)        (dH_ε(z − θ)/dθ = −K((z − θ)/ε)/ε, the KDE of the density of z at θ)
// and JumpReLU's jump of height θ at z = θ by θ₀ · H_ε; everything else is the exact loss. Written out densely in
// float64 here, with (z₀, θ₀) the point the gradient is taken at:
//   a_ij   = z_ij · [z_ij > θ₀_j] + θ₀_j · (H_ε(z₀_ij − θ_j) − H_ε(z₀_ij − θ₀_j))
//   L0_ij  = [z₀_ij > θ₀_j] + H_ε(z₀_ij − θ_j) − H_ε(z₀_ij − θ₀_j)   ('step')   or  tanh(c · a_ij · ‖W_dec[j]‖) ('tanh')
//   loss   = Σ‖x − x̂(a)‖² / B + λ Σ L0 / B + λ_p Σ relu(θ_j − z_ij) · dead_j · ‖W_dec[j]‖ / B
// At the point itself a and L0 are the true activations and L0 count, so the value is the true loss. The problem
// keeps every z at least MARGIN from θ₀ and from the kernel window's edges (θ₀ ± ε/2), so the loss is smooth there.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/sae/train/rng';
import {
  type JumpReluTrainConfig,
  initJumpReluParams,
  jumpreluLossAndGrads,
  jumpreluThresholds,
  jumpreluTrainConfig,
} from '../../src/sae/train/jumprelu-step';
import type { SaeParams } from '../../src/sae/train/types';
import { centralDifferences, termShare } from '../helpers/finite-diff';
import { assertClose } from '../reference/compare';

const MARGIN = 2e-3;
const H = 1e-6;
const B = 5;

type Name = 'W_enc' | 'b_enc' | 'W_dec' | 'b_dec' | 'log_threshold' | 'threshold';
type P64 = Partial<Record<Name, Float64Array>>;

const Heps = (u: number, eps: number) => Math.min(1, Math.max(0, u / eps + 0.5));

interface Anchor {
  z0: Float64Array; //     [B, S]
  theta0: Float64Array; // [S]
}

/** θ from the float64 parameters. */
function theta64(p: P64, S: number): Float64Array {
  if (p.log_threshold) return p.log_threshold.map(Math.exp);
  return p.threshold!.map((t) => Math.max(0, t));
}

function pre64(p: P64, x: Float64Array, d: number, S: number): Float64Array {
  const z = new Float64Array(B * S);
  for (let r = 0; r < B; r++) {
    for (let l = 0; l < S; l++) {
      let s = p.b_enc![l];
      for (let c = 0; c < d; c++) s += (x[r * d + c] - p.b_dec![c]) * p.W_enc![c * S + l];
      z[r * S + l] = s;
    }
  }
  return z;
}

/** The smoothed objective at p around `anchor` (omit it to take p itself as the anchor). */
function loss64(p: P64, x: Float64Array, cfg: JumpReluTrainConfig, lambda: number, dead: boolean[], anchor?: Anchor) {
  const { dIn: d, dSae: S, bandwidth: eps } = cfg;
  const z = pre64(p, x, d, S);
  const theta = theta64(p, S);
  const at = anchor ?? { z0: z, theta0: theta };
  const norms = Array.from({ length: S }, (_, l) => Math.hypot(...p.W_dec!.subarray(l * d, (l + 1) * d)));
  let ok = true;
  let sq = 0;
  let l0 = 0;
  let fired = 0;
  let preAct = 0;
  for (let r = 0; r < B; r++) {
    const a = new Float64Array(S);
    for (let l = 0; l < S; l++) {
      const i = r * S + l;
      const th0 = at.theta0[l];
      const z0 = at.z0[i];
      if (Math.abs(z[i] - th0) < MARGIN || Math.abs(Math.abs(z0 - th0) - eps / 2) < MARGIN) ok = false;
      const on = z[i] > th0;
      const ramp = Heps(z0 - theta[l], eps) - Heps(z0 - th0, eps);
      a[l] = (on ? z[i] : 0) + th0 * ramp;
      if (z0 > th0) fired++;
      l0 += cfg.sparsityLossMode === 'tanh' ? Math.tanh(cfg.tanhScale * a[l] * norms[l]) : (z0 > th0 ? 1 : 0) + ramp;
      if (dead[l]) {
        if (Math.abs(theta[l] - z[i]) < MARGIN) ok = false;
        preAct += Math.max(0, theta[l] - z[i]) * norms[l];
      }
    }
    for (let c = 0; c < d; c++) {
      let xh = p.b_dec![c];
      for (let l = 0; l < S; l++) xh += a[l] * p.W_dec![l * d + c];
      sq += (x[r * d + c] - xh) ** 2;
    }
  }
  const lp = cfg.preActLossCoefficient;
  return { loss: sq / B + (lambda * l0) / B + (lp * preAct) / B, mse: sq / B, l0Loss: (lambda * l0) / B, preActLoss: (lp * preAct) / B, fired, ok };
}

function to64(p: SaeParams): P64 {
  const out: P64 = {};
  for (const name of ['W_enc', 'b_enc', 'W_dec', 'b_dec', 'log_threshold', 'threshold'] as const) if (p[name]) out[name] = Float64Array.from(p[name]!);
  return out;
}

/** A seeded problem away from every kink: uneven decoder norms, thresholds spread over (0.1, 0.5), z over ±1. */
function problem(cfg: JumpReluTrainConfig, dead: boolean[], firstSeed: number) {
  for (let seed = firstSeed; seed < firstSeed + 2000; seed++) {
    const r = mulberry32(seed);
    const u = (n: number, s: number) => Float32Array.from({ length: n }, () => (2 * r() - 1) * s);
    const p = initJumpReluParams({ ...cfg, decoderInitNorm: 1 }, seed);
    for (let l = 0; l < cfg.dSae; l++) {
      const f = 0.3 + 1.2 * r();
      for (let c = 0; c < cfg.dIn; c++) p.W_dec[l * cfg.dIn + c] *= f;
    }
    p.b_enc = u(cfg.dSae, 0.2);
    p.b_dec = u(cfg.dIn, 0.2);
    const th = Array.from({ length: cfg.dSae }, () => 0.1 + 0.4 * r());
    if (p.log_threshold) p.log_threshold = Float32Array.from(th, Math.log);
    else p.threshold = Float32Array.from(th);
    const x = u(B * cfg.dIn, 0.6);
    const at = loss64(to64(p), Float64Array.from(x), cfg, 0, dead);
    if (at.ok) return { p, x, seed };
  }
  throw new Error('no seed with every pre-activation away from the kinks');
}

const D = 7;
const S = 13;
const cases: { name: string; cfg: Partial<JumpReluTrainConfig>; lambda: number; deadCount?: number }[] = [
  { name: "MSE only (λ 0), log θ", cfg: {}, lambda: 0 },
  { name: "'step' L0 (λ 0.7), log θ", cfg: {}, lambda: 0.7 },
  { name: "'step' L0 (λ 0.7), direct θ", cfg: { thresholdParam: 'direct' }, lambda: 0.7 },
  { name: "'tanh' L0 (λ 0.7, c 4), log θ", cfg: { sparsityLossMode: 'tanh', tanhScale: 4 }, lambda: 0.7 },
  { name: "'step' L0 + pre-act loss (λ_p 0.8) on 4 dead latents", cfg: { preActLossCoefficient: 0.8 }, lambda: 0.3, deadCount: 4 },
];

describe('JumpReLU SAE gradients vs central finite differences of the smoothed objective (float64)', () => {
  it.each(cases)('$name', ({ cfg: over, lambda, deadCount = 0 }) => {
    const cfg = jumpreluTrainConfig({ dIn: D, dSae: S, bandwidth: 0.4, deadTokens: 10, ...over });
    const dead = Array.from({ length: S }, (_, l) => l < deadCount);
    const sinceFired = Uint32Array.from(dead, (x) => (x ? 10 : 0));
    const { p, x, seed } = problem(cfg, dead, 1);
    const got = jumpreluLossAndGrads(p, x, B, cfg, lambda, sinceFired);
    const p64 = to64(p);
    const x64 = Float64Array.from(x);
    const ref = loss64(p64, x64, cfg, lambda, dead);
    const anchor: Anchor = { z0: pre64(p64, x64, D, S), theta0: theta64(p64, S) };
    const s = got.stats;
    console.log(
      `seed ${seed}: loss ${s.loss.toPrecision(8)} / ${ref.loss.toPrecision(8)}  mse ${s.mse.toPrecision(7)}  l0Loss ${s.l0Loss.toPrecision(7)} / ${ref.l0Loss.toPrecision(7)}  ` +
        `preAct ${s.preActLoss.toPrecision(6)} / ${ref.preActLoss.toPrecision(6)}  l0 ${s.l0} / ${ref.fired / B}`,
    );
    for (const [a, b] of [[s.loss, ref.loss], [s.mse, ref.mse], [s.l0Loss, ref.l0Loss], [s.preActLoss, ref.preActLoss]]) {
      expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * Math.max(Math.abs(b), 1e-3));
    }
    expect(s.l0).toBe(ref.fired / B);
    expect(s.l0).toBeGreaterThan(1);
    expect(s.l0).toBeLessThan(S - 1);
    if (deadCount > 0) expect(s.preActLoss).toBeGreaterThan(0);

    const names = ['W_enc', 'b_enc', 'W_dec', 'b_dec', cfg.thresholdParam === 'log' ? 'log_threshold' : 'threshold'] as const;
    for (const name of names) {
      const fd = centralDifferences(p64[name]!, H, () => loss64(p64, x64, cfg, lambda, dead, anchor));
      assertClose(`  d loss / d ${name}`, got.grads[name]!, fd, 2e-5);
      expect(fd.some((g) => g !== 0)).toBe(true);
    }
    if (lambda > 0) {
      // The sparsity terms' share of each gradient that they reach: large enough that a missing term would fail
      // the check above. The step L0 reaches only θ (no gradient into z); tanh and pre-act reach everything.
      const mseOnly = jumpreluLossAndGrads(p, x, B, { ...cfg, preActLossCoefficient: 0 }, 0, sinceFired);
      const reached = cfg.sparsityLossMode === 'tanh' || deadCount > 0 ? names : ([names[4]] as const);
      for (const name of reached) {
        const share = termShare(got.grads[name]!, mseOnly.grads[name]!);
        console.log(`  sparsity share of d loss / d ${name}: ${share.toExponential(2)}`);
        expect(share).toBeGreaterThan(1e-2);
      }
      if (cfg.sparsityLossMode === 'step' && deadCount === 0) {
        for (const name of names.slice(0, 4)) expect(got.grads[name]).toEqual(mseOnly.grads[name]);
      }
    }
  });

  it("the step L0's threshold gradient is λ times the rectangle-kernel density estimate of z at θ (the paper's eq.)", () => {
    const cfg = jumpreluTrainConfig({ dIn: D, dSae: S, bandwidth: 0.4 });
    const { p, x } = problem(cfg, [], 1);
    const lambda = 0.7;
    const l0 = jumpreluLossAndGrads(p, x, B, cfg, lambda);
    const none = jumpreluLossAndGrads(p, x, B, cfg, 0);
    const theta = jumpreluThresholds(p);
    const pre = l0.forward.pre;
    let inWindow = 0;
    for (let l = 0; l < S; l++) {
      // dθ_j = −λ · p̂_j(θ_j),  p̂_j(θ) = (1 / (B ε)) Σ_i K((z_ij − θ) / ε)
      let k = 0;
      for (let r = 0; r < B; r++) if (Math.abs(pre[r * S + l] - theta[l]) < cfg.bandwidth / 2) k++;
      inWindow += k;
      const density = k / (B * cfg.bandwidth);
      expect(l0.dTheta[l] - none.dTheta[l]).toBeCloseTo(-lambda * density, 5);
    }
    expect(inWindow).toBeGreaterThan(0);
  });
});
