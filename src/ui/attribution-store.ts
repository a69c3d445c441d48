// Attribution as the page sees it: the last attribution of a prompt's prediction, and the outcome of each
// intervention clicked on one of its rows (keyed by unit, mode and positions).
import { create } from 'zustand';
import { describeError } from '../core/errors';
import type { ViewError } from './error-guard';
import { currentViewKey } from './route';
import type { AttributionView, InterventionRequest, InterventionView } from '../worker/protocol';
import { useLab } from './store';

export type Effect = { state: 'running' } | { state: 'done'; view: InterventionView } | { state: 'error'; message: string };

export interface AttributionState {
  view: AttributionView | null;
  busy: boolean;
  error: ViewError | null;
  effects: Record<string, Effect>;
}

export const useAttribution = create<AttributionState>(() => ({ view: null, busy: false, error: null, effects: {} }));
const set = useAttribution.setState;

export const effectKey = (unit: InterventionRequest['unit'], mode: InterventionRequest['mode'], positions: InterventionRequest['positions']) =>
  `${unit.kind === 'feature' ? `f${unit.feature}` : `n${unit.layer}.${unit.neuron}`}|${mode}|${positions}`;

/** Attributes the prediction; the view on success, null on an error (shown in the store). */
export async function attribute(saeId: string, prompt: string, target: number | string | null): Promise<AttributionView | null> {
  const engine = useLab.getState().engine;
  if (!engine) return null;
  const at = currentViewKey(); // the page that asked, even if the user has moved on when it fails
  set({ busy: true, error: null });
  try {
    const view = await engine.call('attribute', { saeId, prompt, target });
    set({ view, effects: {} });
    return view;
  } catch (err) {
    set({ error: { view: at, message: describeError(err) } });
    return null;
  } finally {
    set({ busy: false });
  }
}

export async function runIntervention(req: InterventionRequest): Promise<void> {
  const engine = useLab.getState().engine;
  if (!engine) return;
  const key = effectKey(req.unit, req.mode, req.positions);
  const put = (e: Effect) => set((s) => ({ effects: { ...s.effects, [key]: e } }));
  put({ state: 'running' });
  try {
    put({ state: 'done', view: await engine.call('intervene', req) });
  } catch (err) {
    put({ state: 'error', message: describeError(err) });
  }
}
