// SAE training as the page sees it: options, live stats, the result and its SAELens files.
import { create } from 'zustand';
import { describeError } from '../core/errors';
import type { DensityHistogram } from '../sae/train/density';
import type { HeldOutFigures } from '../analysis/held-out-evals';
import type { TrainOptions, TrainProgress, TrainSummary, TrainingInfo } from '../worker/protocol';
import { useLab } from './store';

export interface TrainState {
  options: Omit<TrainOptions, 'runId' | 'hook' | 'device'> & { runId: string | null; hook: string | null; device: 'gpu' | 'cpu' | null };
  training: boolean;
  stopping: boolean;
  paused: boolean;
  /** The step the worker holds the training at, once it says it does (the step in flight done). */
  heldAt: number | null;
  history: TrainProgress[];
  /** Held-out figures at each checkpoint and at the end (none on a run without a held-out share). */
  heldOut: HeldOutFigures[];
  summary: TrainSummary | null;
  error: string | null;
  trainings: TrainingInfo[]; // checkpointed in IndexedDB
  density: DensityHistogram | null; // at the last checkpoint
  /** The faithfulness eval of the summary's SAE in progress (run from the summary when training could not). */
  evaluating: { done: number; total: number } | null;
}

/** The JumpReLU fields' defaults: SAELens' (src/sae/train/jumprelu-step.ts), thresholds trained directly. */
const JUMPRELU_DEFAULTS = {
  l0Coefficient: 1,
  jumpreluBandwidth: 0.05,
  jumpreluInitThreshold: 0.01,
  jumpreluSparsityLossMode: 'step',
  jumpreluTanhScale: 4,
  preActLossCoefficient: 0,
  jumpreluThresholdParam: 'direct',
} as const;

export const useTrain = create<TrainState>(() => ({
  options: { runId: null, hook: null, expansion: 8, architecture: 'topk', k: 32, l1Coefficient: 5, ...JUMPRELU_DEFAULTS, steps: 1000, batchSize: 256, lr: 2e-3, seed: 0, device: null, checkpointEvery: 200 },
  training: false,
  stopping: false,
  paused: false,
  heldAt: null,
  history: [],
  heldOut: [],
  summary: null,
  error: null,
  trainings: [],
  density: null,
  evaluating: null,
}));

const set = useTrain.setState;
const get = useTrain.getState;

export const setTrainOptions = (patch: Partial<TrainState['options']>) => set({ options: { ...get().options, ...patch } });

/** WGSL kernels on a real GPU; their CPU twins where WebGPU is missing or is a software renderer. */
export function defaultDevice(): 'gpu' | 'cpu' {
  const m = useLab.getState().model;
  return m && m.status.backend === 'webgpu' && !m.status.softwareAdapter ? 'gpu' : 'cpu';
}

export async function refreshTrainings(): Promise<void> {
  const engine = useLab.getState().engine;
  if (engine) set({ trainings: await engine.call('listTrainings', {}).catch(() => []) });
}

export async function startTraining(resumeFrom?: string): Promise<void> {
  const { options, training } = get();
  const engine = useLab.getState().engine;
  if (training || !engine || !options.runId || !options.hook) return;
  // JumpReLU has no WGSL path yet: the panel shows it on the CPU, and says so.
  const device = options.architecture === 'jumprelu' ? 'cpu' : (options.device ?? defaultDevice());
  const args: TrainOptions = { ...options, runId: options.runId, hook: options.hook, device, resumeFrom };
  set({ training: true, stopping: false, paused: false, heldAt: null, history: [], heldOut: [], summary: null, error: null, density: null, evaluating: null });
  void refreshTrainings();
  try {
    const summary = await engine.call('trainSae', args, (p) => {
      if (p.phase === 'train') set({ history: [...get().history, p.detail] });
      else if (p.phase === 'density') set({ density: p.detail });
      else if (p.phase === 'heldout') set({ heldOut: [...get().heldOut, p.detail] });
    });
    set({ summary });
  } catch (err) {
    set({ error: describeError(err) });
  } finally {
    set({ training: false, stopping: false, paused: false });
    await refreshTrainings();
  }
}

/**
 * Resumes a checkpointed training. The form first takes the checkpoint's settings (the worker trains with those,
 * whatever the form held), so what it shows is what runs.
 */
export async function resumeTraining(trainingId: string): Promise<void> {
  const saved = get().trainings.find((x) => x.id === trainingId);
  if (saved) {
    // Keys an older checkpoint lacks keep the form's value (architecture: such checkpoints are TopK).
    const defined = Object.fromEntries(Object.entries(saved.options).filter(([, v]) => v !== undefined));
    setTrainOptions({ architecture: 'topk', ...defined, runId: saved.runId, hook: saved.hook });
  }
  await startTraining(trainingId);
}

/** Runs the faithfulness eval the summary could not run at the end of training (the model is loaded now). */
export async function evaluateTrained(): Promise<void> {
  const engine = useLab.getState().engine;
  const summary = get().summary;
  if (!engine || !summary || get().evaluating) return;
  set({ evaluating: { done: 0, total: 0 } });
  try {
    const evals = await engine.call('evaluateTraining', { trainingId: summary.trainingId }, (p) => {
      if (p.phase === 'evaluate') set({ evaluating: p.detail });
    });
    if (get().summary?.trainingId === summary.trainingId) set({ summary: { ...get().summary!, evals, evalsSkipped: null } });
  } catch (err) {
    if (get().summary?.trainingId === summary.trainingId) set({ summary: { ...get().summary!, evalsSkipped: describeError(err) } });
  } finally {
    set({ evaluating: null });
  }
}

export async function stopTraining(): Promise<void> {
  set({ stopping: true, paused: false });
  await useLab.getState().engine?.call('stopTraining', {});
}

/** Holds the training between steps, or lets it go on; its GPU state waits in place. */
export async function pauseTraining(paused: boolean): Promise<void> {
  const engine = useLab.getState().engine;
  if (!engine || !get().training) return;
  set({ paused, heldAt: null });
  await engine.call('pauseTraining', { paused });
  // Progress messages come in order, so every step done before the hold has been reported by now.
  if (paused && get().paused) set({ heldAt: get().history.at(-1)?.step ?? null });
}

/** Saves `files` (name → contents) as downloads, one link click each. */
function saveFiles(files: Record<string, string | Uint8Array>): void {
  for (const [name, data] of Object.entries(files)) {
    const type = name.endsWith('.json') ? 'application/json' : name.endsWith('.py') ? 'text/x-python' : 'application/octet-stream';
    const url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

/** "Export for SAELens": the training's recipe as saelens_config.json and train_sae.py (src/sae/saelens-export.ts). */
export async function exportForSaeLens(trainingId?: string): Promise<void> {
  const engine = useLab.getState().engine;
  if (!engine) return;
  const id = trainingId ?? get().summary?.trainingId;
  try {
    saveFiles((await engine.call('saeLensExport', { trainingId: id })).files);
  } catch (err) {
    set({ error: describeError(err) });
  }
}

/** Downloads the trained SAE as SAELens files (cfg.json, sae_weights.safetensors). */
export async function downloadSae(): Promise<void> {
  const engine = useLab.getState().engine;
  if (!engine) return;
  const files = await engine.call('saeFiles', { trainingId: get().summary?.trainingId });
  saveFiles(files);
}
