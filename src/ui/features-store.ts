// SAEs and their feature dashboards as the page sees them: the registered SAEs, the statistics pass in progress,
// the open SAE's feature table, search results, the open feature page and text inspection.
import type { LoadProgress } from '../model/sources';
import { create } from 'zustand';
import type { FeaturePageData, FeatureStatsProgress, FeatureTable, InspectResult, SaeInfo, SaeMapData, SaeSource } from '../worker/protocol';
import { type ViewError, errorGuard, viewError } from './error-guard';
import { searchNote } from './search-note';
import { type StatsPassMark, fateOf, holdingPassLock, readMark, writeMark } from './stats-pass-mark';
import { useLab } from './store';

export interface FeaturesState {
  saes: SaeInfo[];
  /** The list has been read from the store at least once (an empty list then means there are none). */
  saesLoaded: boolean;
  adding: boolean;
  /** The download of an SAE being added from the Hub or the catalogue (bytes of the current file). */
  download: LoadProgress | null;
  evaluating: string | null;
  stats: { saeId: string; progress: FeatureStatsProgress | null } | null;
  /**
   * A pass this browser started that never ended: the page was closed or reloaded mid-pass (src/ui/stats-pass-mark.ts).
   * Nothing of it was saved; `running` when another tab is still running it.
   */
  interrupted: (StatsPassMark & { running: boolean }) | null;
  table: FeatureTable | null;
  /** note: how the hits matched, "N matching …" (src/ui/search-note.ts). */
  search: { query: string; hits: number[] | null; busy: boolean; note: string };
  page: FeaturePageData | null;
  pageLoading: boolean;
  inspect: InspectResult | null;
  error: ViewError | null;
  /** The open SAE's UMAP map; mapLoading: the SAE whose map is being computed. */
  map: SaeMapData | null;
  mapLoading: string | null;
  mapError: string | null;
}

export const useFeatures = create<FeaturesState>(() => ({
  saes: [],
  saesLoaded: false,
  adding: false,
  download: null,
  evaluating: null,
  stats: null,
  interrupted: null,
  table: null,
  search: { query: '', hits: null, busy: false, note: '' },
  page: null,
  pageLoading: false,
  inspect: null,
  error: null,
  map: null,
  mapLoading: null,
  mapError: null,
}));

const set = useFeatures.setState;
const get = useFeatures.getState;
const engine = () => useLab.getState().engine;

const guarded = errorGuard(set);

export async function refreshSaes(): Promise<void> {
  const e = engine();
  if (!e) return;
  set({ saes: await e.call('listSaes', {}).catch(() => get().saes), saesLoaded: true });
  await judgeRememberedPass();
}

/** Says what became of a pass remembered from before a reload (none runs in this page). */
async function judgeRememberedPass(): Promise<void> {
  const mark = readMark();
  if (!mark || get().stats) return;
  const sae = get().saes.find((s) => s.id === mark.saeId);
  const fate = sae ? await fateOf(mark, sae.stats?.createdAt ?? null) : 'done'; // a deleted SAE: nothing to say
  if (fate === 'done') {
    writeMark(null);
    set({ interrupted: null });
  } else set({ interrupted: { ...mark, running: fate === 'running' } });
}

export async function addSae(source: SaeSource): Promise<SaeInfo | null> {
  const e = engine();
  if (!e) return null;
  set({ adding: true, download: null });
  const info = await guarded(() => e.call('addSae', { source }, (p) => p.phase === 'download' && set({ download: p.detail })));
  set({ adding: false, download: null });
  await refreshSaes();
  return info;
}

/** cfg.json and sae_weights.safetensors picked together, as SAELens writes them. */
export async function addSaeFromFiles(files: File[]): Promise<void> {
  const cfg = files.find((f) => f.name.endsWith('.json'));
  const weights = files.find((f) => f.name.endsWith('.safetensors'));
  if (!cfg || !weights) {
    set({ error: viewError(new Error('pick both SAELens files: cfg.json and sae_weights.safetensors')) });
    return;
  }
  const name = (cfg.webkitRelativePath || '').split('/').slice(-2, -1)[0] || weights.name.replace(/\.safetensors$/, '');
  await addSae({ kind: 'files', name, cfgJson: await cfg.text(), weights: new Uint8Array(await weights.arrayBuffer()) });
}

export async function deleteSae(saeId: string): Promise<void> {
  await guarded(() => engine()!.call('deleteSae', { saeId }));
  await refreshSaes();
}

export async function computeStats(saeId: string, runId: string, device: 'gpu' | 'cpu'): Promise<void> {
  const e = engine();
  if (!e || get().stats) return;
  set({ stats: { saeId, progress: null }, interrupted: null });
  const mark: StatsPassMark = { saeId, runId, device, startedAt: Date.now(), progress: null };
  writeMark(mark);
  let marked = 0; // the rows last written to the mark: a write per few percent, not per batch
  const onProgress = (p: FeatureStatsProgress) => {
    set({ stats: { saeId, progress: p } });
    if (Math.abs(p.rows - marked) * 50 >= p.totalRows || p.rows === 0) {
      marked = p.rows;
      writeMark({ ...mark, progress: p });
    }
  };
  // The pass ended here (saved, failed or cancelled): the page says which itself, so the mark goes.
  await holdingPassLock(() => guarded(() => e.call('featureStats', { saeId, runId, device }, (p) => p.phase === 'features' && onProgress(p.detail))));
  writeMark(null);
  // A new pass replaces the saved map too (it is computed again on the next view).
  set({ stats: null, table: get().table?.saeId === saeId ? null : get().table, map: get().map?.saeId === saeId ? null : get().map });
  await refreshSaes();
}

/** Faithfulness (CE loss recovered, KL, FVU, L0) of an SAE on the first windows of a run. */
export async function evaluateSae(saeId: string, runId: string): Promise<void> {
  const e = engine();
  if (!e || get().evaluating) return;
  set({ evaluating: saeId });
  await guarded(() => e.call('evaluateSae', { saeId, runId }));
  set({ evaluating: null });
  await refreshSaes();
}

export async function cancelStats(): Promise<void> {
  await engine()?.call('cancelFeatureStats', {});
}

export async function loadTable(saeId: string): Promise<void> {
  if (get().table?.saeId === saeId) return;
  const e = engine();
  if (!e) return;
  set({ table: null, search: { query: '', hits: null, busy: false, note: '' } });
  const table = await guarded(() => e.call('featureTable', { saeId }));
  if (table) set({ table });
}

/** A number opens that feature; text finds features whose top examples contain it. */
export async function searchFeatures(saeId: string, query: string): Promise<void> {
  const q = query.trim();
  if (!q) return set({ search: { query, hits: null, busy: false, note: '' } });
  if (/^\d+$/.test(q)) return set({ search: { query, hits: [Number(q)], busy: false, note: '1 matching' } });
  set({ search: { ...get().search, query, busy: true } });
  const r = await guarded(() => engine()!.call('searchFeatures', { saeId, query: q }));
  set({ search: { query, hits: r?.hits ?? [], busy: false, note: r ? searchNote('feature', q, r) : '' } });
}

export async function loadPage(saeId: string, feature: number): Promise<void> {
  const e = engine();
  if (!e) return;
  set({ pageLoading: true });
  const page = await guarded(() => e.call('featurePage', { saeId, feature }));
  set({ page, pageLoading: false });
}

export async function inspectText(saeId: string, text: string): Promise<void> {
  const e = engine();
  if (!e) return;
  set({ inspect: await guarded(() => e.call('inspectText', { saeId, text })) });
}

/** The SAE's map of decoder directions (computed in the worker the first time, then read from the store). */
export async function loadMap(saeId: string): Promise<void> {
  const e = engine();
  if (!e || get().map?.saeId === saeId || get().mapLoading === saeId) return;
  set({ mapLoading: saeId, mapError: null });
  try {
    const map = await e.call('saeMap', { saeId });
    set({ map, mapLoading: null });
  } catch (err) {
    set({ mapLoading: null, mapError: err instanceof Error ? err.message : String(err) });
  }
}
