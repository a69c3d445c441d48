// The first screen's state. Actions are named functions over the engine; components only render state.
import { create } from 'zustand';
import { describeError } from '../core/errors';
import type { Backend } from '../model/runtime';
import { webgpuUnavailableReason } from '../model/webgpu';
import { DEFAULT_HUB_URL, DEFAULT_MODEL_PATH, type LoadProgress } from '../model/sources';
import type { Engine, ModelInfo, ModelSource, Prediction, ProgressEvent } from '../worker/protocol';

export type SourceKind = 'embedded' | 'hub' | 'files';

export interface LabState {
  engine: Engine | null;
  webgpu: { checked: boolean; available: boolean; reason: string | null };
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
  webgpu: { checked: false, available: false, reason: null },
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

export function attachEngine(engine: Engine): void {
  set({ engine });
}

export async function checkWebGpu(): Promise<void> {
  const reason = await webgpuUnavailableReason();
  set({ webgpu: { checked: true, available: reason === null, reason }, backend: reason === null ? get().backend : 'wasm' });
}

export const setSourceKind = (sourceKind: SourceKind) => set({ sourceKind, loadError: null });
export const setHubRepo = (hubRepo: string) => set({ hubRepo });
export const setHubUrl = (hubUrl: string) => set({ hubUrl });
export const setFiles = (files: File[]) => set({ files, sourceKind: 'files', loadError: null });
export const setBackend = (backend: Backend) => set({ backend });
export const setPrompt = (prompt: string) => set({ prompt });
export const setPrependBos = (prependBos: boolean) => set({ prependBos });

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
    const model = await s.engine.call('load', { source: currentSource(s), options: { backend: s.backend, hooks: [], steerAt: null } }, onProgress);
    set({ model, prediction: null, predictError: null });
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
