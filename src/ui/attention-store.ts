// The attention page's last result and the feature pages' head writes, as the worker returned them. What is asked
// for lives in the URL (src/ui/attention-url.ts); this keeps what came back, keyed so a stale reply is never shown.
import { create } from 'zustand';
import { describeError } from '../core/errors';
import { type ViewError, viewError } from './error-guard';
import type { AttentionRequest, AttentionView, HeadWritesRequest, HeadWritesView } from '../worker/protocol';
import { useLab } from './store';

export type HeadWritesState = { state: 'running' } | { state: 'done'; view: HeadWritesView } | { state: 'error'; message: string };

export interface AttentionState {
  /** The view and the request it answers (the page shows it only while the URL asks the same). */
  result: { key: string; view: AttentionView } | null;
  busy: boolean;
  error: ViewError | null;
  /** By headWritesKey(saeId, feature). */
  writes: Record<string, HeadWritesState>;
}

export const useAttention = create<AttentionState>(() => ({ result: null, busy: false, error: null, writes: {} }));
const set = useAttention.setState;

export const attentionKey = (req: AttentionRequest) => JSON.stringify(req.repeated ? { repeated: req.repeated } : { prompt: req.prompt, bos: req.prependBos });
export const headWritesKey = (saeId: string, feature: number) => `${saeId}|${feature}`;

let latest = 0;

/** Runs the attention view unless the store already holds this request's answer; only the latest request's reply is kept. */
export async function runAttention(req: AttentionRequest): Promise<void> {
  const engine = useLab.getState().engine;
  const key = attentionKey(req);
  if (!engine || useAttention.getState().result?.key === key) return;
  const mine = ++latest;
  set({ busy: true, error: null });
  try {
    const view = await engine.call('attention', req);
    if (mine === latest) set({ result: { key, view } });
  } catch (err) {
    if (mine === latest) set({ error: viewError(err) });
  } finally {
    if (mine === latest) set({ busy: false });
  }
}

export async function loadHeadWrites(req: HeadWritesRequest): Promise<void> {
  const engine = useLab.getState().engine;
  if (!engine) return;
  const key = headWritesKey(req.saeId, req.feature);
  const put = (s: HeadWritesState) => set((st) => ({ writes: { ...st.writes, [key]: s } }));
  put({ state: 'running' });
  try {
    put({ state: 'done', view: await engine.call('featureHeadWrites', req) });
  } catch (err) {
    put({ state: 'error', message: describeError(err) });
  }
}
