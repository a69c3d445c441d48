// The first screen's state. Actions are named functions over the engine; components only render state.
import { create } from 'zustand';
import { describeError } from '../core/errors';
import type { Backend } from '../model/runtime';
import { sameModel } from '../core/model-names';
import { probeWebGpu } from '../model/webgpu';
import { DEFAULT_HUB_URL, DEFAULT_MODEL_PATH, type LoadProgress } from '../model/sources';
import type { Engine, ModelInfo, ModelSource, Prediction, ProgressEvent } from '../worker/protocol';
import { type RememberedSource, readPrefs, rememberModel, writePrefs } from './lab-prefs';

export type SourceKind = 'embedded' | 'hub' | 'files';

export interface LabState {
  engine: Engine | null;
  webgpu: { checked: boolean; available: boolean; reason: string | null; adapter: string | null; software: boolean };
  /** Why the backend is what it is when the lab chose it (a software adapter, no WebGPU); null when the user chose. */
  backendNote: string | null;
  // model picker
  sourceKind: SourceKind;
  hubRepo: string;
  hubUrl: string;
  files: File[];
  backend: Backend;
  // loading
  loading: boolean;
  progress: LoadProgress | null;
  phase: string | null;
  loadError: string | null;
  model: ModelInfo | null;
  // prompt
  prompt: string;
  prependBos: boolean;
  predicting: boolean;
  prediction: Prediction | null;
  predictError: string | null;
}

export const useLab = create<LabState>(() => ({
  engine: null,
  webgpu: { checked: false, available: false, reason: null, adapter: null, software: false },
  backendNote: null,
  sourceKind: 'embedded',
  hubRepo: 'openai-community/gpt2',
  hubUrl: DEFAULT_HUB_URL,
  files: [],
  backend: 'webgpu',
  loading: false,
  progress: null,
  phase: null,
  loadError: null,
  model: null,
  prompt: 'Call me Ishmael. Some years ago',
  prependBos: true,
  predicting: false,
  prediction: null,
  predictError: null,
}));

const set = useLab.setState;
const get = useLab.getState;

let startEngine: (() => Engine & { terminate?(): void }) | null = null;
/** The backend of the first model this worker loaded: after wasm, a WebGPU session fails to run. */
let firstBackend: Backend | null = null;

/** start: makes a fresh engine (a new worker), for a switch from wasm to WebGPU. */
export function attachEngine(engine: Engine, start?: () => Engine & { terminate?(): void }): void {
  startEngine = start ?? null;
  set({ engine });
}

/**
 * onnxruntime-web in a worker that created a wasm session first cannot run a WebGPU one afterwards (its kernels
 * fail with "no GPU data for input"; seen with 1.30 on SwiftShader), so a switch from wasm to WebGPU gets a fresh
 * worker. Jobs live in IndexedDB and resume; the caller checks none is running.
 */
function freshEngineFor(backend: Backend): void {
  if (backend !== 'webgpu' || firstBackend !== 'wasm' || !startEngine) return;
  (get().engine as (Engine & { terminate?(): void }) | null)?.terminate?.();
  firstBackend = null;
  set({ engine: startEngine(), model: null, prediction: null });
}

export async function checkWebGpu(): Promise<void> {
  const probe = await probeWebGpu();
  const chosen = readPrefs().backend;
  const auto = probe.reason === null && !probe.software ? 'webgpu' : 'wasm';
  const backendNote = chosen
    ? null
    : probe.software
      ? `This browser's WebGPU adapter is a software renderer (${probe.adapter}), slower than the CPU: the lab runs the model on wasm and SAE work on the CPU. Choose WebGPU to use it anyway.`
      : probe.reason
        ? 'WebGPU is not available here: the model runs on wasm and SAE work on the CPU.'
        : null;
  set({
    webgpu: { checked: true, available: probe.reason === null, reason: probe.reason, adapter: probe.adapter, software: probe.software },
    backend: chosen ?? auto,
    backendNote,
  });
}

/**
 * The first thing the page does: find out what WebGPU offers, then load the model this browser used last (the
 * embedded default on a first visit) with nothing to click. A remembered model that no longer loads leaves its
 * error in the panel and the embedded default in its place.
 */
let booted: Promise<void> = Promise.resolve();

export function bootLab(): Promise<void> {
  booted = boot();
  return booted;
}

async function boot(): Promise<void> {
  await checkWebGpu();
  const last = readPrefs().last;
  if (last) applySource(last);
  await loadModel();
  if (!get().model && last?.kind === 'hub') {
    const error = get().loadError;
    set({ sourceKind: 'embedded' });
    await loadModel();
    set({ loadError: error && `the model used last (${last.repo}) did not load: ${error}` });
  }
}

export const setSourceKind = (sourceKind: SourceKind) => set({ sourceKind, loadError: null });
export const setHubRepo = (hubRepo: string) => set({ hubRepo });
export const setHubUrl = (hubUrl: string) => set({ hubUrl });
export const setFiles = (files: File[]) => set({ files, sourceKind: 'files', loadError: null });
/** The user's choice of backend overrides the lab's and is remembered. */
export function setBackend(backend: Backend): void {
  set({ backend, backendNote: null });
  writePrefs({ backend });
}
export const setPrompt = (prompt: string) => set({ prompt });
export const setPrependBos = (prependBos: boolean) => set({ prependBos });

/** Points the model panel at a source this browser loaded before. */
function applySource(src: RememberedSource): void {
  set(src.kind === 'hub' ? { sourceKind: 'hub', hubRepo: src.repo, hubUrl: src.hubUrl } : { sourceKind: 'embedded' });
}

function rememberable(s: LabState): RememberedSource | null {
  if (s.sourceKind === 'hub') return { kind: 'hub', repo: s.hubRepo.trim(), hubUrl: s.hubUrl.trim() || DEFAULT_HUB_URL };
  return s.sourceKind === 'embedded' ? { kind: 'embedded' } : null;
}

function currentSource(s: LabState): ModelSource {
  if (s.sourceKind === 'hub') return { kind: 'hub', repo: s.hubRepo.trim(), hubUrl: s.hubUrl.trim() || DEFAULT_HUB_URL };
  if (s.sourceKind === 'files') return { kind: 'files', files: s.files };
  return { kind: 'url', id: 'tiny-gpt2', baseUrl: new URL(DEFAULT_MODEL_PATH, document.baseURI).href };
}

function onProgress(p: ProgressEvent): void {
  if (p.phase === 'download') set({ progress: p.detail, phase: `downloading ${p.detail.file}` });
  else if ('message' in p) set({ phase: p.message });
}

export async function loadModel(): Promise<void> {
  const s = get();
  if (!s.engine || s.loading) return;
  set({ loading: true, loadError: null, progress: null, phase: 'starting' });
  try {
    freshEngineFor(s.backend);
    const model = await get().engine!.call('load', { source: currentSource(s), options: { backend: s.backend, hooks: [], steerAt: null } }, onProgress);
    firstBackend ??= model.status.backend;
    set({ model, prediction: null, predictError: null });
    const remembered = rememberable(s);
    if (remembered) rememberModel(model.id, remembered);
    await predict();
  } catch (err) {
    set({ loadError: describeError(err) }); // the previously loaded model, if any, is still in place
  } finally {
    set({ loading: false, phase: null });
  }
}

export async function predict(): Promise<void> {
  const s = get();
  if (!s.engine || !s.model) return;
  set({ predicting: true, predictError: null });
  try {
    const prediction = await s.engine.call('predict', { text: s.prompt, topK: 10, prependBos: s.prependBos });
    set({ prediction });
  } catch (err) {
    set({ predictError: describeError(err) });
  } finally {
    set({ predicting: false });
  }
}

/** Resolves once no load is in progress. */
function settled(): Promise<void> {
  if (!get().loading && get().engine) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = useLab.subscribe((s) => {
      if (!s.loading && s.engine) {
        stop();
        resolve();
      }
    });
  });
}

/**
 * Makes `modelName` (a model id or an SAE's SAELens model_name) the loaded model, loading it from where this
 * browser got it before. Returns null when it is ready, else what the user has to do.
 */
export async function ensureModel(modelName: string): Promise<string | null> {
  await booted;
  await settled();
  if (get().model && sameModel(get().model!.id, modelName)) return null;
  const known = Object.entries(readPrefs().known).find(([id]) => sameModel(id, modelName))?.[1];
  if (!known) return `this page needs the model ${modelName}, which this browser has not loaded before: load it in the model panel`;
  applySource(known);
  await loadModel();
  const m = get().model;
  return m && sameModel(m.id, modelName) ? null : `could not load ${modelName}: ${get().loadError ?? 'unknown error'}`;
}
