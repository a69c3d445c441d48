// Corpus → activation store, as the page sees it: options, the job in progress, the runs on disk.
// Actions are named functions over the engine; components only render this state.
import { DEFAULT_HELD_OUT } from '../corpus/held-out';
import type { TlSettings } from '../core/tl-settings';
import { create } from 'zustand';
import { describeError } from '../core/errors';
import type { HarvestProgress } from '../store/harvest';
import type { RejectionInfo, RunManifest } from '../store/schema';
import type { TokenizeProgress } from '../store/tokenize';
import type { CorpusSource, RunOptions, RunSummary, StorageCheck } from '../worker/protocol';
import { useLab } from './store';

export const SAMPLE_CORPUS = { url: 'samples/moby-dick.txt', name: 'moby-dick.txt' };

export interface Job {
  runId: string | null;
  phase: 'tokenize' | 'harvest';
  tokenize: TokenizeProgress | null;
  harvest: HarvestProgress | null;
  pausing: boolean;
}

export interface HarvestState {
  source: CorpusSource | null;
  options: RunOptions;
  job: Job | null;
  /** The run last made or harvested, as stored (committed rows, status): kept in step with each shard and error. */
  lastRun: RunManifest | null;
  /** The files a corpus refused for holding no usable text skipped, with why (a run made lists its own). */
  refused: RejectionInfo[];
  storage: StorageCheck | null;
  error: string | null;
  runs: RunSummary[];
}

export const useHarvest = create<HarvestState>(() => ({
  source: null,
  options: { hooks: [], dtype: 'f32', contextLength: 128, skipBos: true, jsonlField: 'text', csvColumn: 'text', heldOutShare: DEFAULT_HELD_OUT.share },
  job: null,
  lastRun: null,
  refused: [],
  storage: null,
  error: null,
  runs: [],
}));

const set = useHarvest.setState;
const get = useHarvest.getState;

function engine() {
  const e = useLab.getState().engine;
  if (!e) throw new Error('the model worker is not running');
  return e;
}

export const setCorpusFiles = (files: File[]) => set({ source: files.length ? { kind: 'files', files } : null, error: null });
export const useSampleCorpus = () => set({ source: { kind: 'url', url: new URL(SAMPLE_CORPUS.url, document.baseURI).href, name: SAMPLE_CORPUS.name }, error: null });
export const setRunOptions = (patch: Partial<RunOptions>) => set({ options: { ...get().options, ...patch } });

/**
 * Sets the harvest up for an SAE: its hook, the model settings it reads under and its context size, so the run
 * serves it without conversion. (BOS is always prepended; an SAE trained without BOS says so on its row.)
 */
export function harvestFor(sae: { hook: string; tl: TlSettings; contextSize: number }): void {
  setRunOptions({ hooks: [sae.hook], tl: sae.tl, contextLength: sae.contextSize });
}

export function toggleHook(name: string): void {
  const hooks = get().options.hooks;
  setRunOptions({ hooks: hooks.includes(name) ? hooks.filter((h) => h !== name) : [...hooks, name] });
}

export async function refreshRuns(): Promise<void> {
  try {
    set({ runs: await engine().call('listRuns', {}) });
  } catch (err) {
    set({ error: describeError(err) });
  }
}

/** Tokenizes the chosen corpus into a new run, then harvests it. */
export async function startRun(): Promise<void> {
  const { source, options, job } = get();
  if (!source || job) return;
  if (options.hooks.length === 0) return set({ error: 'choose at least one hook point to store' });
  set({ error: null, storage: null, lastRun: null, refused: [], job: { runId: null, phase: 'tokenize', tokenize: null, harvest: null, pausing: false } });
  try {
    const { run, storage } = await engine().call('createRun', { source, options }, (p) => {
      if (p.phase === 'tokenize') set({ job: { ...get().job!, tokenize: p.detail } });
    });
    set({ lastRun: run, storage });
    await refreshRuns();
    if (!storage.ok) {
      set({ job: null, error: `${storage.message}. Free space (delete runs) or pick fewer hooks / fp16, then resume the run.` });
      return;
    }
    await harvest(run.id);
  } catch (err) {
    // A corpus refused for having no usable file says why for each file (EmptyCorpusError's detail).
    set({ job: null, error: describeError(err), refused: rejectionsOf(err) ?? [] });
    await refreshRuns();
  }
}

function rejectionsOf(err: unknown): RejectionInfo[] | null {
  const detail = (err as { detail?: { rejections?: RejectionInfo[] } } | null)?.detail;
  return Array.isArray(detail?.rejections) ? detail.rejections : null;
}

/** Puts a run as the engine stored it into the runs list and, if it is the one shown, the panel's last run. */
function storedRun(summary: RunSummary): void {
  const { runs, lastRun } = get();
  set({
    runs: runs.some((r) => r.run.id === summary.run.id) ? runs.map((r) => (r.run.id === summary.run.id ? summary : r)) : [summary, ...runs],
    lastRun: !lastRun || lastRun.id === summary.run.id ? summary.run : lastRun,
  });
}

/** Harvests (or resumes) a run; committed shards are never recomputed. */
export async function harvest(runId: string): Promise<void> {
  set({ error: null, job: { runId, phase: 'harvest', tokenize: get().job?.tokenize ?? null, harvest: null, pausing: false } });
  try {
    const run = await engine().call('harvest', { runId }, (p) => {
      if (p.phase === 'harvest') set({ job: { ...get().job!, harvest: p.detail } });
      else if (p.phase === 'shard') storedRun(p.detail);
    });
    set({ lastRun: run });
  } catch (err) {
    set({ error: describeError(err) });
  } finally {
    set({ job: null });
    await refreshRuns();
  }
  // What the store holds now, error status included (the engine keeps it when a full quota refused to record it).
  const stored = get().runs.find((r) => r.run.id === runId);
  if (stored) storedRun(stored);
}

export async function pauseRun(): Promise<void> {
  const job = get().job;
  if (!job?.runId) return;
  set({ job: { ...job, pausing: true } });
  await engine().call('pauseHarvest', { runId: job.runId });
}

export async function cancelRun(): Promise<void> {
  const job = get().job;
  if (!job?.runId) return;
  await engine().call('cancelHarvest', { runId: job.runId });
}

export async function deleteRunById(runId: string): Promise<void> {
  await engine().call('deleteRun', { runId });
  await refreshRuns();
}
