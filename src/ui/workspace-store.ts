// What this browser holds for the lab, for the workspace view: models and SAE files in Cache Storage, runs,
// SAEs and trainings in IndexedDB, and the storage used of the origin's quota.
import { create } from 'zustand';
import { describeError } from '../core/errors';
import { type CachedRepo, deleteCachedRepo, listCachedRepos } from '../model/sources';
import type { TrainingInfo } from '../worker/protocol';
import { refreshSaes } from './features-store';
import { refreshRuns } from './harvest-store';
import { useLab } from './store';

export interface WorkspaceState {
  cached: CachedRepo[];
  trainings: TrainingInfo[];
  storage: { usage: number; quota: number; persisted: boolean } | null;
  loading: boolean;
  error: string | null;
}

export const useWorkspace = create<WorkspaceState>(() => ({ cached: [], trainings: [], storage: null, loading: false, error: null }));
const set = useWorkspace.setState;

async function storageEstimate(): Promise<WorkspaceState['storage']> {
  const s = globalThis.navigator?.storage;
  if (!s?.estimate) return null;
  const { usage = 0, quota = 0 } = await s.estimate();
  return { usage, quota, persisted: (await s.persisted?.()) ?? false };
}

export async function refreshWorkspace(): Promise<void> {
  const engine = useLab.getState().engine;
  set({ loading: true, error: null });
  try {
    const [cached, trainings, storage] = await Promise.all([listCachedRepos(), engine ? engine.call('listTrainings', {}) : [], storageEstimate(), refreshRuns(), refreshSaes()]);
    set({ cached, trainings, storage });
  } catch (err) {
    set({ error: describeError(err) });
  } finally {
    set({ loading: false });
  }
}

export async function forgetCachedRepo(repo: CachedRepo): Promise<void> {
  await deleteCachedRepo(repo);
  await refreshWorkspace();
}

export async function deleteTraining(trainingId: string): Promise<void> {
  try {
    await useLab.getState().engine?.call('deleteTraining', { trainingId });
  } catch (err) {
    set({ error: describeError(err) });
  }
  await refreshWorkspace();
}

/** Asks the browser not to evict the lab's data under storage pressure. */
export async function persistStorage(): Promise<void> {
  await globalThis.navigator?.storage?.persist?.();
  await refreshWorkspace();
}
