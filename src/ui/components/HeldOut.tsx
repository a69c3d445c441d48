// Held-out figures on the train page: what a training on the chosen run will measure (or why it will not), the
// series the live charts draw beside the training values, and the final SAE's held-out numbers.
import type { HeldOutFigures } from '../../analysis/held-out-evals';
import { heldOutCadenceNote } from '../../analysis/held-out-evals';
import type { RunManifest } from '../../store/schema';
import type { Series } from './LineChart';

export const HELD_OUT_COLOR = '#8e24aa';

/** What the held-out figures of a training on `run` will be, in words (the cost bound included). */
export function heldOutPlanText(run: RunManifest, checkpointEvery: number): string {
  if (!run.heldOut) return 'This run has no held-out share (it was made before held-out splits): its trainings report no held-out figures. Make a new run to get them.';
  if (!run.heldOutWindows) return 'No document of this run fell in its held-out share (too few documents): its trainings report no held-out figures.';
  const share = `${+(run.heldOut.share * 100).toFixed(2)}%`;
  return `Held out: ${share} of documents, ${run.heldOutWindows.toLocaleString('en-US')} windows never trained on (a held-out latent is dead when it fires on none of their rows). Cost bounded: ${heldOutCadenceNote(checkpointEvery)}.`;
}

/** The held-out series of a chart (x: the step index the training series uses), or none. */
export function heldOutSeries(figures: HeldOutFigures[], pick: (f: HeldOutFigures) => number | null): Series[] {
  const points = figures.filter((f) => pick(f) !== null);
  if (!points.length) return [];
  return [{ name: 'held-out', color: HELD_OUT_COLOR, values: points.map((f) => pick(f)!), x: points.map((f) => f.step - 1), dots: true }];
}

const fmt = (v: number | undefined, digits: number) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));

export function HeldOutSummary({ f, note }: { f: HeldOutFigures | null; note: string | null }) {
  if (!f) {
    return (
      <p className="muted" data-testid="train-held-out-summary" data-present="false">
        No held-out figures: {note ?? 'the run has no held-out windows'}.
      </p>
    );
  }
  const ce = f.ce;
  return (
    <p
      className="muted"
      data-testid="train-held-out-summary"
      data-present="true"
      data-step={f.step}
      data-fvu={f.fvu}
      data-l0={f.l0}
      data-dead={f.deadFraction}
      data-ce-recovered={ce?.ceLossRecovered ?? ''}
      data-kl={ce?.klCleanSae ?? ''}
    >
      Held out (never trained on), at step {f.step}: FVU <strong>{fmt(f.fvu, 3)}</strong> · L0 {fmt(f.l0, 1)} · dead {fmt(100 * f.deadFraction, 1)}% on {f.rows.toLocaleString('en-US')} rows of {f.windows}{' '}
      windows
      {ce ? (
        <>
          {' '}
          · CE loss recovered <strong>{fmt(ce.ceLossRecovered, 3)}</strong> (clean {fmt(ce.ceClean, 3)}, with SAE {fmt(ce.ceSae, 3)}, zero-ablated {fmt(ce.ceZero, 3)}) · KL {fmt(ce.klCleanSae, 4)} on {ce.windows} windows ({ce.predictions} predictions)
        </>
      ) : (
        ' · CE loss and KL not measured'
      )}
      . {note ?? ''}
    </p>
  );
}
