// The figures a training reports — steps, tokens, tok/s, ETA, time — from what it has committed, so they read the
// same whether the training ran straight through or was paused, reloaded and resumed from a checkpoint.
// A resumed session starts at the checkpoint's step: its totals count from step 0, its rate only from the steps it
// trained itself over the time it trained them (counting from 0 once made a resume at step 300 report "76,800
// tokens" for 600 steps of 256 rows and ~135,000 tok/s right after resuming).

export interface TrainClock {
  /** Steps done so far (the global step count: a resumed training starts at its checkpoint's). */
  done: number;
  /** Steps the training runs to. */
  steps: number;
  /** The step this session started at (0, or the checkpoint it resumed from). */
  startStep: number;
  /** Rows per step. */
  batchSize: number;
  /** Time this session has trained, without the time spent paused. */
  sessionMs: number;
  /** Time trained before this session (the checkpoint's); null when the checkpoint predates recording it. */
  priorMs: number | null;
}

export interface TrainRate {
  tokensPerSecond: number | null; // null before this session has trained a step
  etaSeconds: number | null;
}

/** Throughput of this session (its steps over its time) and the time left at that pace. */
export function trainRate(c: TrainClock): TrainRate {
  const sessionSteps = c.done - c.startStep;
  if (sessionSteps <= 0 || c.sessionMs <= 0) return { tokensPerSecond: null, etaSeconds: null };
  const stepsPerSecond = (1000 * sessionSteps) / c.sessionMs;
  return { tokensPerSecond: stepsPerSecond * c.batchSize, etaSeconds: Math.max(0, c.steps - c.done) / stepsPerSecond };
}

export interface TrainTotals {
  steps: number; // all steps trained, from step 0
  tokens: number; // rows the SAE has trained on: steps × batch
  /** The checkpoint's step this session resumed from; null for a training that ran in one session. */
  resumedAt: number | null;
  sessionSteps: number;
  sessionSeconds: number;
  /** Training time over all sessions to reach `steps`; null when an older checkpoint did not record its share. */
  seconds: number | null;
}

export function trainTotals(c: TrainClock): TrainTotals {
  const resumed = c.startStep > 0;
  return {
    steps: c.done,
    tokens: c.done * c.batchSize,
    resumedAt: resumed ? c.startStep : null,
    sessionSteps: c.done - c.startStep,
    sessionSeconds: c.sessionMs / 1000,
    seconds: !resumed ? c.sessionMs / 1000 : c.priorMs === null ? null : (c.priorMs + c.sessionMs) / 1000,
  };
}

/** The model the eval would run on, as the engine holds it (null: none loaded). */
export interface EvalModelState {
  id: string;
  hasWeights: boolean; // false for a pre-built .onnx (the eval builds its own sessions from weights)
  sameModel: boolean; //   it is the model the training run was harvested with
}

/**
 * Why a finished training's faithfulness eval cannot run now, in words that say what to do; null when it can. The
 * summary shows this instead of leaving the faithfulness line out, beside a button that runs the eval.
 */
export function evalSkipReason(model: EvalModelState | null, runModelId: string): string | null {
  const then = 'then run the faithfulness eval';
  if (!model) return `the faithfulness eval did not run: no model is loaded. Load ${runModelId} (the model of the training run), ${then}`;
  if (!model.sameModel) return `the faithfulness eval did not run: the training run holds activations of ${runModelId} and ${model.id} is loaded. Load ${runModelId}, ${then}`;
  if (!model.hasWeights) return `the faithfulness eval did not run: it needs ${runModelId}'s weights and a pre-built .onnx is loaded. Load ${runModelId} from its weights, ${then}`;
  return null;
}

/** "45 s", "3 min 04 s", "2 h 05 min": an ETA or a duration as a researcher reads it. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}
