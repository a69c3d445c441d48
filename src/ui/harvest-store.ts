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

/** The "Hugging Face dataset" source form; numbers as typed (empty: not set). */
export interface DatasetForm {
  hubUrl: string;
  repo: string;
  config: string;
  split: string;
  column: string;
  start: string;
  maxTokens: string;
  shuffleSeed: string;
  /** A gated/private dataset's access token: in memory for this page only, unless `rememberToken` keeps it on this device. */
  token: string;
  rememberToken: boolean;
}

const TOKEN_KEY = 'sse-hf-token';

function rememberedToken(): string {
  try {
    return globalThis.localStorage?.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export interface HarvestState {
  dataset: DatasetForm;
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
  dataset: {
    hubUrl: 'https://huggingface.co',
    repo: '',
    config: '',
    split: 'train',
    column: '',
    start: '0',
    maxTokens: '100000',
    shuffleSeed: '',
    token: rememberedToken(),
    rememberToken: rememberedToken() !== '',
  },
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

const num = (s: string) => (s.trim() === '' ? undefined : Number(s));

export function setDatasetForm(patch: Partial<DatasetForm>): void {
  const dataset = { ...get().dataset, ...patch };
  set({ dataset });
  // The token stays on this device only when asked (localStorage); otherwise it lives in this page's memory.
  try {
    if (dataset.rememberToken && dataset.token) globalThis.localStorage?.setItem(TOKEN_KEY, dataset.token);
    else globalThis.localStorage?.removeItem(TOKEN_KEY);
  } catch {
    // storage blocked: the token just is not remembered
  }
}

/** Makes the form's dataset the corpus source (checked: an id, whole numbers). */
export function useDatasetSource(): void {
  const f = get().dataset;
  const bad = [['start', f.start], ['max tokens', f.maxTokens], ['shuffle seed', f.shuffleSeed]].find(([, v]) => v.trim() !== '' && !/^\d+$/.test(v.trim()));
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(f.repo.trim())) return set({ error: `"${f.repo}" is not a Hub dataset id (owner/name, e.g. NeelNanda/pile-10k)` });
  if (bad) return set({ error: `dataset ${bad[0]}: "${bad[1]}" is not a whole number` });
  set({
    error: null,
    source: {
      kind: 'dataset',
      dataset: {
        repo: f.repo.trim(),
        hubUrl: f.hubUrl.trim() || undefined,
        config: f.config.trim() || undefined,
        split: f.split.trim() || 'train',
        column: f.column.trim() || undefined,
        start: num(f.start),
        maxTokens: num(f.maxTokens),
        shuffleSeed: num(f.shuffleSeed),
      },
      token: f.token || undefined,
    },
  });
}

/** One click from an SAE trained on a Hub dataset: its hook, settings and context, that dataset, tokenize and harvest. */
export async function harvestFromDataset(sae: { hook: string; tl: TlSettings; contextSize: number; dataset: string | null }): Promise<void> {
  if (!sae.dataset) return;
  harvestFor(sae);
  setDatasetForm({ repo: sae.dataset, config: '', split: 'train', column: '' });
  useDatasetSource();
  if (get().source?.kind === 'dataset') await startRun();
}

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
    const token = get().dataset.token || undefined; // a paused dataset run streams its rest first
    const run = await engine().call('harvest', { runId, token }, (p) => {
      if (p.phase === 'tokenize') set({ job: { ...get().job!, phase: 'tokenize', tokenize: p.detail } });
      else if (p.phase === 'harvest') set({ job: { ...get().job!, phase: 'harvest', harvest: p.detail } });
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
