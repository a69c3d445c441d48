// The guided first run: the bundled sample corpus through harvest, a small SAE training sized to this machine,
// the statistics pass, then the feature browser and one feature's page (with its steering link). It drives the
// same store actions the lab's panels use, so every step also shows where it is done by hand. Its position is
// kept in localStorage: after a reload it resumes (a harvest from its last committed shard, a training from its
// checkpoint) instead of starting over.
import { create } from 'zustand';
import { describeError } from '../core/errors';
import { hookDim } from '../core/hooks';
import type { Gpt2Config } from '../core/config';
import { addSae, cancelStats, computeStats, loadTable, refreshSaes, useFeatures } from './features-store';
import { SAMPLE_CORPUS, cancelRun, harvest, refreshRuns, setRunOptions, startRun, useHarvest, useSampleCorpus } from './harvest-store';
import { browserHref, featureHref } from './route';
import { useLab } from './store';
import { defaultDevice, refreshTrainings, setTrainOptions, startTraining, stopTraining, useTrain } from './train-store';

export type StepId = 'model' | 'harvest' | 'train' | 'stats' | 'open';
export type StepState = 'pending' | 'running' | 'done' | 'error';

export const STEPS: { id: StepId; label: string; explain: string }[] = [
  { id: 'model', label: 'Load the model', explain: 'GPT-2 runs in this tab: the embedded tiny GPT-2 unless another model is loaded.' },
  { id: 'harvest', label: 'Harvest activations', explain: 'The sample corpus goes through the model; the residual stream of a middle layer is stored in this browser.' },
  { id: 'train', label: 'Train a sparse autoencoder', explain: 'A TopK SAE learns to rebuild those activations from a few of many features.' },
  { id: 'stats', label: 'Feature statistics', explain: 'Every feature is run over the stored tokens: how often it fires, its strongest examples.' },
  { id: 'open', label: 'Open a feature', explain: 'The feature browser, then one feature’s page, from where it can steer generation.' },
];

/** What the guided run will do on this machine, shown before it starts. */
export interface QuickPlan {
  hook: string;
  dIn: number;
  dSae: number;
  k: number;
  steps: number;
  batchSize: number;
  device: 'gpu' | 'cpu';
  tokens: number; //        estimated tokens of the sample corpus
  storageBytes: number; //  the run's activations (float32)
  seconds: number; //       estimated time, all steps
}

interface Saved {
  plan: QuickPlan;
  step: StepId;
  runId: string | null;
  trainingId: string | null;
  saeId: string | null;
}

export interface QuickStartState {
  states: Record<StepId, StepState>;
  detail: string | null; //  what the running step is doing now
  plan: QuickPlan | null;
  running: boolean;
  resumed: boolean; //       picked up after a reload
  error: string | null;
}

const KEY = 'sse.quickstart.v1';
const idle = (): Record<StepId, StepState> => ({ model: 'pending', harvest: 'pending', train: 'pending', stats: 'pending', open: 'pending' });

export const useQuickStart = create<QuickStartState>(() => ({ states: idle(), detail: null, plan: null, running: false, resumed: false, error: null }));
const set = useQuickStart.setState;
const get = useQuickStart.getState;

const SAMPLE_BYTES = 202_312; // public/samples/moby-dick.txt
const CHARS_PER_TOKEN = 4; //    English prose under a GPT-2-style BPE, near enough for an estimate
// Rough rates for the estimate (tokens/s). Measured on 2 CPU cores with the tiny model: a wasm forward harvests
// ~4k tokens/s, the CPU twin trains a d_sae 1024 k 16 SAE at ~3k tokens/s, the statistics pass encodes ~20k rows/s.
// A GPU is faster at all three; the live ETAs of each step replace these once it runs.
const RATES = { cpu: { harvest: 4000, train: 3000, stats: 20000 }, gpu: { harvest: 20000, train: 50000, stats: 100000 } };

/** Sizes the guided run to this machine: a smaller dictionary and fewer steps on the CPU path. */
export function planQuickStart(cfg: Gpt2Config, device: 'gpu' | 'cpu'): QuickPlan {
  const layer = Math.floor(cfg.nLayer / 2);
  const hook = `blocks.${layer}.hook_resid_post`;
  const dIn = hookDim(hook, cfg);
  const cpu = device === 'cpu';
  const dSae = dIn * (cpu ? 4 : 8);
  const steps = cpu ? 300 : 1500;
  const batchSize = 256;
  const tokens = Math.round(SAMPLE_BYTES / CHARS_PER_TOKEN);
  // Training cost grows with d_in·d_sae; the rate above is for 256 × 1024.
  const r = RATES[device];
  const trainRate = r.train * ((256 * 1024) / (dIn * dSae));
  const seconds = tokens / r.harvest + (steps * batchSize) / trainRate + (2 * tokens) / r.stats;
  return { hook, dIn, dSae, k: cpu ? 16 : 32, steps, batchSize, device, tokens, storageBytes: tokens * dIn * 4, seconds };
}

function readSaved(): Saved | null {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    return raw ? (JSON.parse(raw) as Saved) : null;
  } catch {
    return null;
  }
}
const save = (s: Saved | null) => {
  try {
    if (s) localStorage.setItem(KEY, JSON.stringify(s));
    else localStorage.removeItem(KEY);
  } catch {
    /* no storage: the run works, it just cannot resume */
  }
};

/** Refreshes the plan shown on the first screen for the loaded model. */
export function refreshPlan(): void {
  const m = useLab.getState().model;
  if (!get().running) set({ plan: m ? planQuickStart(m.cfg, defaultDevice()) : null });
}

class Cancelled extends Error {}
let cancelled = false;

export async function startQuickStart(): Promise<void> {
  const m = useLab.getState().model;
  if (get().running || !m) return;
  const plan = planQuickStart(m.cfg, defaultDevice());
  await run({ plan, step: 'model', runId: null, trainingId: null, saeId: null }, false);
}

/** After a reload: picks an unfinished guided run up where it stopped (called once the model is ready). */
export async function resumeQuickStart(): Promise<void> {
  const saved = readSaved();
  if (saved && !get().running) await run(saved, true);
}

export async function cancelQuickStart(): Promise<void> {
  if (!get().running) return;
  cancelled = true;
  const step = (Object.keys(get().states) as StepId[]).find((id) => get().states[id] === 'running');
  if (step === 'harvest') await cancelRun();
  if (step === 'train') await stopTraining();
  if (step === 'stats') await cancelStats();
}

const ORDER: StepId[] = ['model', 'harvest', 'train', 'stats', 'open'];

async function run(saved: Saved, resumed: boolean): Promise<void> {
  cancelled = false;
  const states = idle();
  for (const id of ORDER.slice(0, ORDER.indexOf(saved.step))) states[id] = 'done';
  set({ running: true, resumed, error: null, plan: saved.plan, states, detail: null });
  let s = saved;
  try {
    for (const id of ORDER.slice(ORDER.indexOf(saved.step))) {
      s = { ...s, step: id };
      save(s);
      mark(id, 'running');
      s = await STEP_RUNNERS[id](s);
      if (cancelled) throw new Cancelled('cancelled');
      mark(id, 'done');
    }
    save(null);
  } catch (err) {
    const id = s.step;
    mark(id, 'error');
    set({ error: err instanceof Cancelled ? `Cancelled at “${STEPS.find((x) => x.id === id)!.label}”. What was made so far stays in the lab.` : `${STEPS.find((x) => x.id === id)!.label}: ${describeError(err)}` });
    save(null);
  } finally {
    set({ running: false, detail: null });
  }
}

const mark = (id: StepId, state: StepState) => set({ states: { ...get().states, [id]: state } });
const detail = (d: string | null) => set({ detail: d });

/** Runs a step's job while `line` of each change of `store` is the step's detail (undefined: no change). */
async function showing<S>(store: { subscribe(f: (s: S) => void): () => void }, line: (s: S) => string | undefined, job: () => Promise<unknown>): Promise<void> {
  const stop = store.subscribe((state) => {
    const l = line(state);
    if (l !== undefined) detail(l);
  });
  try {
    await job();
  } finally {
    stop();
  }
}

const STEP_RUNNERS: Record<StepId, (s: Saved) => Promise<Saved>> = {
  async model(s) {
    if (!useLab.getState().model) throw new Error('no model is loaded: load one in the model panel');
    return s;
  },
  harvest: harvestStep,
  train: trainStep,
  stats: statsStep,
  open: openStep,
};

async function harvestStep(s: Saved): Promise<Saved> {
  await refreshRuns();
  const runs = useHarvest.getState().runs;
  const existing = s.runId ? runs.find((r) => r.run.id === s.runId)?.run : undefined;
  if (existing?.status === 'done') return s;
  const harvestLine = (h: ReturnType<typeof useHarvest.getState>) => {
    const p = h.job?.harvest;
    if (p) return `${p.rowsDone.toLocaleString('en-US')} of ${p.totalRows.toLocaleString('en-US')} tokens${p.etaSeconds !== null ? ` · about ${Math.ceil(p.etaSeconds)} s left` : ''}`;
    if (h.job?.tokenize) return `tokenizing: ${h.job.tokenize.tokens.toLocaleString('en-US')} tokens`;
    return undefined;
  };
  await showing(useHarvest, harvestLine, async () => {
    if (existing && existing.status !== 'tokenizing') {
      await harvest(existing.id); // committed shards are kept: it goes on from the last one
      return;
    }
    useSampleCorpus();
    setRunOptions({ name: `quick start: ${SAMPLE_CORPUS.name}`, hooks: [s.plan.hook], contextLength: 128, dtype: 'f32' });
    // The run's id exists once tokenizing is done; keep it so a reload during the harvest resumes that run.
    const idStop = useHarvest.subscribe((h) => {
      if (h.job?.runId && !s.runId) save({ ...s, runId: h.job.runId });
    });
    try {
      await startRun();
    } finally {
      idStop();
    }
  });
  const h = useHarvest.getState();
  if (cancelled) throw new Cancelled('cancelled');
  if (!h.lastRun || h.lastRun.status !== 'done') throw new Error(h.error ?? `the harvest ended ${h.lastRun?.status ?? 'without a run'}`);
  return { ...s, runId: h.lastRun.id };
}

async function trainStep(s: Saved): Promise<Saved> {
  const runId = s.runId!;
  await refreshTrainings();
  const prior = useTrain.getState().trainings.find((t) => t.runId === runId && t.hook === s.plan.hook);
  if (prior?.done) return { ...s, trainingId: prior.id };
  const { plan } = s;
  setTrainOptions({ runId, hook: plan.hook, architecture: 'topk', expansion: plan.dSae / plan.dIn, k: plan.k, steps: plan.steps, batchSize: plan.batchSize, lr: 2e-3, seed: 0, device: plan.device, checkpointEvery: 50 });
  const trainLine = (t: ReturnType<typeof useTrain.getState>) => {
    const last = t.history.at(-1);
    return last ? `step ${last.step} of ${last.steps} · FVU ${last.fvu.toFixed(3)}` : undefined;
  };
  await showing(useTrain, trainLine, () => startTraining(prior ? prior.id : undefined));
  const t = useTrain.getState();
  if (cancelled || t.summary?.aborted) throw new Cancelled('cancelled');
  if (!t.summary) throw new Error(t.error ?? 'the training ended without a result');
  return { ...s, trainingId: t.summary.trainingId };
}

async function statsStep(s: Saved): Promise<Saved> {
  let saeId = s.saeId;
  if (!saeId) {
    detail('registering the SAE for the dashboards');
    const info = await addSae({ kind: 'training', trainingId: s.trainingId! });
    if (!info) throw new Error(useFeatures.getState().error?.message ?? 'the SAE could not be registered');
    saeId = info.id;
    save({ ...s, saeId });
  }
  await refreshSaes();
  if (useFeatures.getState().saes.find((x) => x.id === saeId)?.stats) return { ...s, saeId };
  const statsLine = (f: ReturnType<typeof useFeatures.getState>) => {
    const p = f.stats?.progress;
    return p ? `pass ${p.pass} of ${p.passes}: ${p.rows.toLocaleString('en-US')} of ${p.totalRows.toLocaleString('en-US')} tokens` : undefined;
  };
  await showing(useFeatures, statsLine, () => computeStats(saeId, s.runId!, s.plan.device));
  await refreshSaes();
  if (cancelled) throw new Cancelled('cancelled');
  if (!useFeatures.getState().saes.find((x) => x.id === saeId)?.stats) throw new Error(useFeatures.getState().error?.message ?? 'the statistics pass did not finish');
  return { ...s, saeId };
}

/** The feature to show first: the most frequent one that fires on under 5% of tokens (not a dense catch-all). */
export function pickFeature(count: Uint32Array, rows: number): number {
  let best = -1;
  for (let f = 0; f < count.length; f++) if (count[f] > 0 && count[f] < 0.05 * rows && (best < 0 || count[f] > count[best])) best = f;
  if (best >= 0) return best;
  for (let f = 0; f < count.length; f++) if (best < 0 || count[f] > count[best]) best = f;
  return Math.max(0, best);
}

async function openStep(s: Saved): Promise<Saved> {
  const saeId = s.saeId!;
  window.location.hash = browserHref(saeId);
  await loadTable(saeId);
  const table = useFeatures.getState().table;
  if (!table || table.saeId !== saeId) throw new Error(useFeatures.getState().error?.message ?? 'the feature table did not load');
  window.location.hash = featureHref(saeId, pickFeature(table.count, table.rows));
  return s;
}
