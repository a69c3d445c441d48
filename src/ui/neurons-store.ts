// Neuron dashboards as the page sees them: the open hook's neuron table (null until its statistics pass), the
// pass in progress, search results and the open neuron page. Keyed by run and hook, as the engine keys them.
import { create } from 'zustand';
import type { FeatureStatsProgress, NeuronPageData, NeuronTable } from '../worker/protocol';
import { type ViewError, errorGuard } from './error-guard';
import { searchNote } from './search-note';
import { useLab } from './store';

export interface NeuronsState {
  /** The table of `key` (run and hook); table null there: no statistics yet. */
  loaded: { key: string; table: NeuronTable | null } | null;
  stats: { key: string; progress: FeatureStatsProgress | null } | null;
  /** note: how the hits matched, "N matching …" (src/ui/search-note.ts). */
  search: { key: string; query: string; hits: number[] | null; busy: boolean; note: string };
  page: NeuronPageData | null;
  pageLoading: boolean;
  error: ViewError | null;
}

export const useNeurons = create<NeuronsState>(() => ({
  loaded: null,
  stats: null,
  search: { key: '', query: '', hits: null, busy: false, note: '' },
  page: null,
  pageLoading: false,
  error: null,
}));

const set = useNeurons.setState;
const get = useNeurons.getState;
const engine = () => useLab.getState().engine;

/** The key the store files a run's hook under. */
export const setKey = (runId: string, hook: string) => `${runId}\u0000${hook}`;

const guarded = errorGuard(set);

export async function loadNeuronTable(runId: string, hook: string, force = false): Promise<void> {
  const key = setKey(runId, hook);
  const e = engine();
  if (!e || (!force && get().loaded?.key === key)) return;
  const table = await guarded(() => e.call('neuronTable', { runId, hook }));
  set({ loaded: { key, table }, search: { key, query: '', hits: null, busy: false, note: '' } });
}

export async function computeNeuronStats(runId: string, hook: string): Promise<void> {
  const e = engine();
  if (!e || get().stats) return;
  const key = setKey(runId, hook);
  set({ stats: { key, progress: null } });
  const table = await guarded(() => e.call('neuronStats', { runId, hook }, (p) => p.phase === 'features' && set({ stats: { key, progress: p.detail } })));
  set({ stats: null, ...(table ? { loaded: { key, table } } : {}) });
}

/** Stops the running statistics pass (neurons and features share the engine's one pass at a time). */
export async function cancelNeuronStats(): Promise<void> {
  await engine()?.call('cancelFeatureStats', {});
}

/** A number opens that neuron; text finds neurons whose top examples contain it. */
export async function searchNeurons(runId: string, hook: string, query: string): Promise<void> {
  const key = setKey(runId, hook);
  const q = query.trim();
  if (!q) return set({ search: { key, query, hits: null, busy: false, note: '' } });
  if (/^\d+$/.test(q)) return set({ search: { key, query, hits: [Number(q)], busy: false, note: '1 matching' } });
  set({ search: { ...get().search, key, query, busy: true } });
  const r = await guarded(() => engine()!.call('searchNeurons', { runId, hook, query: q }));
  set({ search: { key, query, hits: r?.hits ?? [], busy: false, note: r ? searchNote('neuron', q, r) : '' } });
}

export async function loadNeuronPage(runId: string, hook: string, neuron: number, saeId: string | null): Promise<void> {
  const e = engine();
  if (!e) return;
  set({ pageLoading: true });
  const page = await guarded(() => e.call('neuronPage', { runId, hook, neuron, ...(saeId ? { saeId } : {}) }));
  set({ page, pageLoading: false });
}
