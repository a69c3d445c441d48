// SAE faithfulness: how much of the model's behaviour survives when an SAE's reconstruction replaces the activation
// at its hook. Three passes per batch of windows, all through the `steer` input, which the graph adds at the hook
// *before* exposing it (src/model/gpt2-onnx.ts hook()):
//
//   clean     steer = 0        → logits_clean, x = hook activations      [B, T, V], [B, T, d_in]
//   spliced   steer = x̂ − x    → the hook carries x̂ → logits_sae         x̂ = decode(encode(x)), in the hook's space
//   ablated   steer = −x       → the hook carries 0 → logits_zero
//
// Metrics, as SAELens' evals name them:
//   ce_clean / ce_sae / ce_zero   next-token cross-entropy, mean over prediction positions (below)
//   ce_loss_recovered             (ce_zero − ce_sae) / (ce_zero − ce_clean)      SAELens' ce_loss_score
//   kl_clean_sae / kl_clean_zero  KL(p_clean ‖ p_·), mean over the same positions
//   kl_div_score                  (kl_clean_zero − kl_clean_sae) / kl_clean_zero
//   fvu                           Σ‖x − x̂‖² / Σ‖x − mean(x)‖² over reconstruction rows (1 − explained variance)
//   l0                            mean number of non-zero latents per reconstruction row
//
// A "layer_norm" SAE (OpenAI's v5) encodes each row normalised and its decoder output is scaled back with that
// row's σ and μ (x̂ = y·σ + μ, src/sae/layer-norm.ts) before anything here sees it: FVU, the splice and the CE/KL all
// compare x̂ with x in the hook's own units, as SAELens' evals do (they call sae.decode, which applies ln_out).
//
// Prediction positions: t ∈ 0 … T−2 predicting ids[t+1], skipping targets in `excludeTokens` (by default the
// model's BOS and end-of-text: predicting a document boundary says nothing about the SAE).
// Reconstruction rows: positions whose own token is not in `excludeTokens` (BOS rows have outsized norms that
// would dominate the variance). The splice itself covers every position, BOS included, as SAELens' does.
import { LabError } from '../core/errors';
import type { Gpt2Model } from '../model/gpt2';
import { LOGITS } from '../model/gpt2-onnx';
import { type SaeConfig, type SaeWeights, checkSaeWeights, reconstruct, validateSaeConfig } from '../sae/sae';

/** The model or the windows cannot run this evaluation (wrong hook, no steering input, no full logits...). */
export class SaeEvalError extends LabError {}

export interface SaeEvalOptions {
  /** Token ids skipped as prediction targets and as reconstruction rows; default [bosTokenId, eosTokenId]. */
  excludeTokens?: number[];
  /** Windows per forward pass (equal-length windows only share a pass); default 4. */
  batchSize?: number;
  onProgress?: (windowsDone: number, windowsTotal: number) => void;
}

export interface SaeEvalResult {
  hook: string;
  windows: number;
  tokens: number; //           all positions run through the model
  predictions: number; //      positions counted in CE and KL
  rows: number; //             positions counted in FVU and L0
  ceClean: number;
  ceSae: number;
  ceZero: number;
  ceLossRecovered: number; //  NaN when ce_zero = ce_clean (zero-ablation changes nothing)
  klCleanSae: number;
  klCleanZero: number;
  klDivScore: number; //       NaN when kl_clean_zero = 0
  fvu: number; //              NaN when the rows have no variance
  explainedVariance: number; // 1 − fvu
  l0: number;
  /** Fraction of latents that fired on none of the reconstruction rows (of this sample: a small one overstates it). */
  deadFraction: number;
  /** max |exposed hook − x̂| / max |x| in the spliced pass: rounding of x + (x̂ − x); ~1e-7 when the splice works. */
  spliceError: number;
}

export interface SaeForEval {
  cfg: SaeConfig;
  weights: SaeWeights;
}

/**
 * Runs the clean, spliced and zero-ablated passes over token windows (BOS first) and returns the faithfulness
 * metrics above. `model` must be created with `steerAt: sae.cfg.hook_name`, `hooks: [sae.cfg.hook_name]` and
 * `logits: 'all'` (the default); SaeEvalError says what is missing otherwise. Windows of different lengths are
 * batched separately. A batchtopk SAE selects its latents over each batch's rows together.
 */
export async function saeFaithfulness(model: Gpt2Model, sae: SaeForEval, windows: number[][], opts: SaeEvalOptions = {}): Promise<SaeEvalResult> {
  checkReady(model, sae);
  if (windows.length === 0) throw new SaeEvalError('saeFaithfulness needs at least one window');
  const short = windows.findIndex((w) => w.length < 2);
  if (short >= 0) throw new SaeEvalError(`window ${short} has ${windows[short].length} token(s); a window needs ≥ 2 to predict anything`);
  const exclude = new Set(opts.excludeTokens ?? [model.cfg.bosTokenId, model.cfg.eosTokenId]);
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 4));

  const acc = new Accumulator(sae.cfg.d_in);
  let done = 0;
  for (const batch of batchesByLength(windows, batchSize)) {
    await evalBatch(model, sae, batch, exclude, acc);
    done += batch.length;
    opts.onProgress?.(done, windows.length);
  }
  return acc.result(sae.cfg.hook_name, windows.length);
}

function checkReady(model: Gpt2Model, sae: SaeForEval): void {
  const { cfg } = sae;
  validateSaeConfig(cfg);
  checkSaeWeights(cfg, sae.weights);
  const hook = cfg.hook_name;
  const build = `create the model with { steerAt: '${hook}', hooks: ['${hook}'], logits: 'all' }`;
  if (!model.steerable || model.steerAt !== hook) {
    const now = model.steerable ? `steers at ${model.steerAt ?? 'an unnamed hook'}` : 'has no steering input';
    throw new SaeEvalError(`the SAE reads ${hook} but the model ${now}: the splice adds x̂ − x there; ${build}`);
  }
  if (!model.hooks.includes(hook)) {
    throw new SaeEvalError(`the model does not expose ${hook} (it exposes [${model.hooks.join(', ')}]); ${build}`);
  }
  if (!model.session.outputNames.includes(LOGITS)) {
    throw new SaeEvalError(`the model returns no per-position logits (outputs [${model.session.outputNames.join(', ')}]); ${build}`);
  }
  if (model.steerDim !== cfg.d_in) {
    throw new SaeEvalError(`the SAE's d_in is ${cfg.d_in} but ${hook} has width ${model.steerDim} in this model`);
  }
  if (cfg.normalize_activations === 'expected_average_only_in') {
    throw new SaeEvalError('this SAE expects rescaled inputs: fold its activation scale in first (foldActivationScale)');
  }
}

/** Equal-length windows in order of first appearance, at most `size` per batch. */
function* batchesByLength(windows: number[][], size: number): Generator<number[][]> {
  const byLength = new Map<number, number[][]>();
  for (const w of windows) {
    const group = byLength.get(w.length) ?? [];
    group.push(w);
    byLength.set(w.length, group);
  }
  for (const group of byLength.values()) for (let i = 0; i < group.length; i += size) yield group.slice(i, i + size);
}

async function evalBatch(model: Gpt2Model, sae: SaeForEval, ids: number[][], exclude: Set<number>, acc: Accumulator): Promise<void> {
  const B = ids.length;
  const T = ids[0].length;
  const n = B * T;
  const d = sae.cfg.d_in;
  const hook = sae.cfg.hook_name;
  const steerShape: [number, number, number] = [B, T, d];

  const clean = await model.forward(ids); // steer = 0, broadcast
  const x = clean.hooks[hook].data; //              [B, T, d_in]
  const cleanLogits = clean.logits!.data; //         [B, T, V]
  const V = cleanLogits.length / n;

  const { acts, xhat } = reconstruct(sae.weights, sae.cfg, x, n); // [n, d_sae], [n, d_in] scaled back under layer_norm
  const rowKept = (r: number) => !exclude.has(ids[Math.floor(r / T)][r % T]);
  acc.addRows(x, xhat, acts, sae.cfg.d_sae, rowKept);

  const toSae = new Float32Array(n * d); //            [B, T, d_in] = x̂ − x
  for (let i = 0; i < n * d; i++) toSae[i] = xhat[i] - x[i];
  const spliced = await model.forward(ids, { steer: { data: toSae, shape: steerShape } });
  acc.noteSplice(spliced.hooks[hook].data, xhat, x);

  // Positions counted: t ≤ T−2 whose target ids[b][t+1] is not excluded; p = b·T + t.
  const positions: number[] = [];
  ids.forEach((row, b) => {
    for (let t = 0; t + 1 < T; t++) if (!exclude.has(row[t + 1])) positions.push(b * T + t);
  });
  const target = (p: number) => ids[Math.floor(p / T)][(p % T) + 1];
  const cleanLse = positions.map((p) => logSumExp(cleanLogits, p * V, V));
  const scorePass = (pass: PassName, logits: Float32Array) =>
    positions.forEach((p, i) => {
      const lse = logSumExp(logits, p * V, V);
      acc.addPrediction(pass, lse - logits[p * V + target(p)], kl(cleanLogits, cleanLse[i], logits, lse, p * V, V));
    });
  scorePass('clean', cleanLogits);
  scorePass('sae', spliced.logits!.data);

  const ablated = await model.forward(ids, { steer: { data: x.map((v) => -v), shape: steerShape } });
  scorePass('zero', ablated.logits!.data);
  acc.tokens += n;
}

/** log Σ exp(logits[off … off+V−1]), in float64. */
function logSumExp(logits: Float32Array, off: number, V: number): number {
  let max = -Infinity;
  for (let v = 0; v < V; v++) max = Math.max(max, logits[off + v]);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[off + v] - max);
  return max + Math.log(sum);
}

/** KL(p ‖ q) at one position, p = softmax(a), q = softmax(b), given each one's log-sum-exp. */
function kl(a: Float32Array, lseA: number, b: Float32Array, lseB: number, off: number, V: number): number {
  let s = 0;
  for (let v = 0; v < V; v++) {
    const lp = a[off + v] - lseA;
    s += Math.exp(lp) * (lp - (b[off + v] - lseB));
  }
  return s;
}

type PassName = 'clean' | 'sae' | 'zero';

/** Running float64 sums over batches. */
class Accumulator {
  tokens = 0;
  private readonly ce: Record<PassName, number> = { clean: 0, sae: 0, zero: 0 };
  private readonly klSum: Record<PassName, number> = { clean: 0, sae: 0, zero: 0 };
  private predictions = 0;
  private rows = 0;
  private active = 0;
  private resid = 0; //                 Σ ‖x − x̂‖²
  private readonly sum: Float64Array; // [d_in] Σ x
  private readonly sumSq: Float64Array; // [d_in] Σ x²
  private spliceDiff = 0;
  private xMax = 0;
  /** [d_sae] whether each latent fired on a counted row (allocated on the first addRows). */
  fired: Uint8Array | null = null;

  constructor(private readonly d: number) {
    this.sum = new Float64Array(d);
    this.sumSq = new Float64Array(d);
  }

  addRows(x: Float32Array, xhat: Float32Array, acts: Float32Array, dSae: number, kept: (r: number) => boolean): void {
    const n = x.length / this.d;
    const fired = (this.fired ??= new Uint8Array(dSae));
    for (let r = 0; r < n; r++) {
      if (!kept(r)) continue;
      this.rows++;
      for (let c = 0; c < this.d; c++) {
        const v = x[r * this.d + c];
        const e = v - xhat[r * this.d + c];
        this.resid += e * e;
        this.sum[c] += v;
        this.sumSq[c] += v * v;
      }
      for (let j = 0; j < dSae; j++) {
        if (acts[r * dSae + j] !== 0) {
          this.active++;
          fired[j] = 1;
        }
      }
    }
  }

  noteSplice(exposed: Float32Array, xhat: Float32Array, x: Float32Array): void {
    for (let i = 0; i < x.length; i++) {
      this.spliceDiff = Math.max(this.spliceDiff, Math.abs(exposed[i] - xhat[i]));
      this.xMax = Math.max(this.xMax, Math.abs(x[i]));
    }
  }

  addPrediction(pass: PassName, ce: number, klValue: number): void {
    this.ce[pass] += ce;
    this.klSum[pass] += klValue;
    if (pass === 'clean') this.predictions++;
  }

  /** FVU and L0 over the rows added so far (NaN without rows), and the fraction of latents that fired on none. */
  reconstruction(): ReconstructionFigures {
    let total = 0; // Σ ‖x − mean(x)‖² = Σ_c (Σx² − (Σx)²/n)
    for (let c = 0; c < this.d; c++) total += this.sumSq[c] - (this.sum[c] * this.sum[c]) / this.rows;
    const f = this.fired;
    return {
      rows: this.rows,
      fvu: this.rows > 0 && total > 0 ? this.resid / total : NaN,
      l0: this.rows > 0 ? this.active / this.rows : NaN,
      deadFraction: f && this.rows > 0 ? f.reduce((a, v) => a + (v ? 0 : 1), 0) / f.length : NaN,
    };
  }

  result(hook: string, windows: number): SaeEvalResult {
    const P = this.predictions;
    const mean = (s: number) => (P > 0 ? s / P : NaN);
    const [ceClean, ceSae, ceZero] = [mean(this.ce.clean), mean(this.ce.sae), mean(this.ce.zero)];
    const [klCleanSae, klCleanZero] = [mean(this.klSum.sae), mean(this.klSum.zero)];
    const { fvu, l0, deadFraction } = this.reconstruction();
    return {
      hook,
      windows,
      tokens: this.tokens,
      predictions: P,
      rows: this.rows,
      ceClean,
      ceSae,
      ceZero,
      ceLossRecovered: ratio(ceZero - ceSae, ceZero - ceClean),
      klCleanSae,
      klCleanZero,
      klDivScore: ratio(klCleanZero - klCleanSae, klCleanZero),
      fvu,
      explainedVariance: 1 - fvu,
      l0,
      deadFraction,
      spliceError: this.xMax > 0 ? this.spliceDiff / this.xMax : this.spliceDiff,
    };
  }
}

export interface ReconstructionFigures {
  rows: number; //        rows counted
  fvu: number; //         Σ‖x − x̂‖² / Σ‖x − mean(x)‖², NaN when the rows have no variance
  l0: number; //          mean non-zero latents per row
  deadFraction: number; // latents that fired on none of the rows
}

const RECONSTRUCT_ROWS = 256; // rows encoded at once: bounds the dense [rows, d_sae] latents (256 × 24,576 floats = 25 MB)

/**
 * FVU, L0 and dead fraction of an SAE on activation rows x [n, d_in] in the hook's units, with the same sums as
 * saeFaithfulness' (so figures from stored rows and from a forward agree), rows where `kept` is false left out.
 * No model is needed: this is what a held-out evaluation runs at every checkpoint. Rows are encoded 256 at a time,
 * so a batchtopk SAE selects its latents over each such chunk.
 */
export function saeReconstruction(sae: SaeForEval, x: Float32Array, n: number, kept: (r: number) => boolean = () => true): ReconstructionFigures {
  validateSaeConfig(sae.cfg);
  checkSaeWeights(sae.cfg, sae.weights);
  const d = sae.cfg.d_in;
  if (x.length !== n * d) throw new SaeEvalError(`saeReconstruction: x holds ${x.length} values, not ${n} rows of d_in ${d}`);
  if (sae.cfg.normalize_activations === 'expected_average_only_in') {
    throw new SaeEvalError('this SAE expects rescaled inputs: fold its activation scale in first (foldActivationScale)');
  }
  const acc = new Accumulator(d);
  for (let at = 0; at < n; at += RECONSTRUCT_ROWS) {
    const m = Math.min(RECONSTRUCT_ROWS, n - at);
    const xs = x.subarray(at * d, (at + m) * d);
    const { acts, xhat } = reconstruct(sae.weights, sae.cfg, xs, m); // [m, d_sae], [m, d_in]
    acc.addRows(xs, xhat, acts, sae.cfg.d_sae, (r) => kept(at + r));
  }
  return acc.reconstruction();
}

const ratio = (num: number, den: number) => (den !== 0 ? num / den : NaN);
