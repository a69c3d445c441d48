// Held-out figures of an SAE during and after its training: FVU, L0 and dead fraction on activation rows of
// held-out documents (no model needed: at every checkpoint), and CE-loss recovered and KL with a model forward
// over held-out windows (three passes per window: at a sparser cadence). Both reuse src/analysis/evals.ts, so the
// figures are the ones the faithfulness eval reports. The caller supplies the held-out rows and windows: a stored
// run's (RunReader.heldOutRows / heldOutWindows) or a stream's, so every training measures the same way.
import { type ReconstructionFigures, type SaeEvalResult, type SaeForEval, saeReconstruction } from './evals';

/** The bounded held-out sample each evaluation uses, and how often the costly part runs. */
export const HELD_OUT_EVAL = {
  /** Held-out windows whose rows FVU, L0 and dead fraction are measured on … */
  windows: 32,
  /** … at most this many rows of them (the density histogram encodes as many at each checkpoint). */
  maxRows: 2048,
  /** Held-out windows CE loss and KL run the model over (clean, spliced and ablated passes). */
  ceWindows: 8,
  /** CE and KL at every this-many-th held-out evaluation, and at the end. */
  ceEvery: 4,
} as const;

/** The cost bound in words, for the page. */
export function heldOutCadenceNote(checkpointEvery: number): string {
  const e = HELD_OUT_EVAL;
  return (
    `held-out figures every ${checkpointEvery} steps (at each checkpoint) on up to ${e.maxRows.toLocaleString('en-US')} rows of ` +
    `${e.windows} held-out windows; CE loss recovered and KL every ${e.ceEvery * checkpointEvery} steps and at the end, ` +
    `on ${e.ceWindows} held-out windows (three model passes each)`
  );
}

export interface HeldOutCe {
  windows: number;
  predictions: number;
  ceClean: number;
  ceSae: number;
  ceZero: number;
  ceLossRecovered: number;
  klCleanSae: number;
  klDivScore: number;
}

export interface HeldOutFigures extends ReconstructionFigures {
  /** Steps trained when measured. */
  step: number;
  /** Held-out windows the rows come from. */
  windows: number;
  /** CE loss and KL on held-out windows; null when not measured at this step (cadence, or no model). */
  ce: HeldOutCe | null;
}

export interface HeldOutInput {
  /** Held-out activation rows [n, d_in] in the hook's units; `kept` leaves rows out (BOS, separators). */
  rows: { x: Float32Array; n: number; windows: number; kept?: (r: number) => boolean };
  /** Held-out token windows (BOS first) and the model forward that scores them (saeFaithfulness); omit to skip CE/KL. */
  ce?: { windows: number[][]; faithfulness: (sae: SaeForEval, windows: number[][]) => Promise<SaeEvalResult> };
}

/** The held-out figures of `sae` (taking raw activations: the activation scale folded in) at `step`. */
export async function heldOutFigures(step: number, sae: SaeForEval, input: HeldOutInput): Promise<HeldOutFigures> {
  const r = saeReconstruction(sae, input.rows.x, input.rows.n, input.rows.kept);
  let ce: HeldOutCe | null = null;
  if (input.ce && input.ce.windows.length > 0) {
    const f = await input.ce.faithfulness(sae, input.ce.windows);
    ce = {
      windows: f.windows,
      predictions: f.predictions,
      ceClean: f.ceClean,
      ceSae: f.ceSae,
      ceZero: f.ceZero,
      ceLossRecovered: f.ceLossRecovered,
      klCleanSae: f.klCleanSae,
      klDivScore: f.klDivScore,
    };
  }
  return { step, windows: input.rows.windows, ...r, ce };
}

/** Rows to count: not the model's BOS or end-of-text token (as saeFaithfulness skips them). */
export function keptTokens(tokenIds: ArrayLike<number>, exclude: number[]): (r: number) => boolean {
  const skip = new Set(exclude);
  return (r) => !skip.has(tokenIds[r]);
}
