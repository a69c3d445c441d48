// The toy model of superposition page's state: the model's options, its live snapshots and result, and the SAE
// trained on its hidden layer. Training runs in the worker (ToyJobs); this only sends requests and keeps replies.
import { create } from 'zustand';
import { describeError } from '../core/errors';
import type { ToyRequest, ToySaeRequest, ToySaeSummary, ToySummary } from '../worker/protocol';
import { useLab } from './store';

export type ToyOptions = Omit<ToyRequest, 'snapshotEvery' | 'beta1' | 'beta2' | 'eps'>;
export type ToySaeOptions = Omit<ToySaeRequest, 'W' | 'n' | 'm' | 'sparsity'>;

/** A W [m, n] to draw, with the options it was trained with. */
export interface ToyView {
  W: Float32Array;
  cfg: ToyOptions;
  step: number;
}

export interface ToyState {
  options: ToyOptions;
  saeOptions: ToySaeOptions;
  training: boolean;
  cancelling: boolean;
  view: ToyView | null;
  losses: { step: number; loss: number }[];
  summary: ToySummary | null;
  error: string | null;
  sae: { training: boolean; step: number; steps: number; fvu: number | null; result: ToySaeSummary | null; error: string | null };
}

export interface ToyPreset {
  label: string;
  patch: Partial<ToyOptions>;
}

/** Points along the phase change for n = 5 features in m = 2 dimensions (Elhage et al. 2022, fig. "superposition"). */
export const TOY_PRESETS: ToyPreset[] = [
  { label: 'S = 0 (dedicated dimensions)', patch: { n: 5, m: 2, sparsity: 0, importanceDecay: 0.7, steps: 2000 } },
  { label: 'S = 0.7 (antipodal pairs)', patch: { n: 5, m: 2, sparsity: 0.7, importanceDecay: 0.7, steps: 4000 } },
  { label: 'S = 0.97 (pentagon)', patch: { n: 5, m: 2, sparsity: 0.97, importanceDecay: 1, steps: 4000 } },
];

const noSae = { training: false, step: 0, steps: 0, fvu: null, result: null, error: null };

export const useToy = create<ToyState>(() => ({
  options: { n: 5, m: 2, sparsity: 0.97, importanceDecay: 1, batch: 512, steps: 4000, lr: 3e-3, seed: 1, device: 'gpu' },
  saeOptions: { dSae: 10, k: 1, steps: 1500, batch: 128, lr: 3e-3, seed: 5, device: 'auto' },
  training: false,
  cancelling: false,
  view: null,
  losses: [],
  summary: null,
  error: null,
  sae: noSae,
}));

const set = useToy.setState;
const get = useToy.getState;

export const setToyOptions = (patch: Partial<ToyOptions>) => set({ options: { ...get().options, ...patch } });
export const setToySaeOptions = (patch: Partial<ToySaeOptions>) => set({ saeOptions: { ...get().saeOptions, ...patch } });

export async function trainToy(): Promise<void> {
  const engine = useLab.getState().engine;
  if (!engine || get().training || get().sae.training) return;
  const cfg = { ...get().options };
  set({ training: true, cancelling: false, view: null, losses: [], summary: null, error: null, sae: noSae });
  try {
    const summary = await engine.call('trainToy', cfg, (p) => {
      if (p.phase !== 'toy' || p.detail.stage !== 'model') return;
      const { step, loss, W } = p.detail;
      set({ view: { W, cfg, step }, losses: [...get().losses, { step, loss }] });
    });
    set({ summary, view: { W: summary.W, cfg, step: summary.steps } });
  } catch (err) {
    set({ error: describeError(err) });
  } finally {
    set({ training: false, cancelling: false });
  }
}

export async function cancelToy(): Promise<void> {
  set({ cancelling: true });
  await useLab.getState().engine?.call('cancelToy', {});
}

/** Trains an SAE on the hidden layer of the model on the plot (the last one trained). */
export async function trainToySae(): Promise<void> {
  const engine = useLab.getState().engine;
  const { summary, view, training, sae } = get();
  if (!engine || !summary || !view || training || sae.training) return;
  const o = get().saeOptions;
  const { n, m, sparsity } = view.cfg;
  set({ sae: { ...noSae, training: true, steps: o.steps } });
  try {
    const result = await engine.call('toySae', { ...o, W: summary.W, n, m, sparsity }, (p) => {
      if (p.phase === 'toy' && p.detail.stage === 'sae') set({ sae: { ...get().sae, step: p.detail.step, fvu: p.detail.fvu } });
    });
    set({ sae: { ...get().sae, result } });
  } catch (err) {
    set({ sae: { ...get().sae, error: describeError(err) } });
  } finally {
    set({ sae: { ...get().sae, training: false } });
  }
}
