// Stream training as the page sees it (src/worker/stream-jobs.ts): corpus files, hooks and budget, live figures,
// the interrupted stream trainings a reload left, and the result.
import { create } from 'zustand';
import { describeError } from '../core/errors';
import type { StreamTrainProgress, StreamTrainRequest, StreamTrainSummary, StreamTrainingInfo } from '../worker/protocol';
import { useLab } from './store';
import { defaultDevice } from './train-store';

export type StreamOptions = Omit<StreamTrainRequest, 'files' | 'device' | 'resumeFrom'> & { device: 'gpu' | 'cpu' | null };

export interface StreamState {
  options: StreamOptions;
  files: File[];
  training: boolean;
  stopping: boolean;
  paused: boolean;
  heldAt: number | null;
  history: StreamTrainProgress[];
  summary: StreamTrainSummary | null;
  error: string | null;
  trainings: StreamTrainingInfo[];
}

export const useStream = create<StreamState>(() => ({
  options: {
    hooks: [],
    expansion: 8,
    architecture: 'topk',
    k: 32,
    tokens: 1_000_000,
    batchSize: 1024,
    lr: 2e-3,
    seed: 0,
    contextLength: 128,
    heldOutShare: 0.02,
    sampleEvery: 0,
    checkpointEvery: 200,
    forwardBatch: 8,
    device: null,
  },
  files: [],
  training: false,
  stopping: false,
  paused: false,
  heldAt: null,
  history: [],
  summary: null,
  error: null,
  trainings: [],
}));

const set = useStream.setState;
const get = useStream.getState;

export const setStreamOptions = (patch: Partial<StreamOptions>) => set({ options: { ...get().options, ...patch } });
export const setStreamFiles = (files: File[]) => set({ files });

export async function refreshStreamTrainings(): Promise<void> {
  const engine = useLab.getState().engine;
  if (engine) set({ trainings: await engine.call('listStreamTrainings', {}).catch(() => []) });
}

/** Starts a stream training, or resumes one (the same files must be chosen again: the worker checks their SHA-256). */
export async function startStream(resumeFrom?: string): Promise<void> {
  const { options, files, training } = get();
  const engine = useLab.getState().engine;
  if (training || !engine) return;
  if (resumeFrom) {
    const saved = get().trainings.find((x) => x.streamId === resumeFrom);
    if (saved) setStreamOptions({ ...saved.options });
  }
  const args: StreamTrainRequest = { ...get().options, files, device: options.device ?? defaultDevice(), resumeFrom };
  set({ training: true, stopping: false, paused: false, heldAt: null, history: [], summary: null, error: null });
  try {
    const summary = await engine.call('streamTrain', args, (p) => {
      if (p.phase === 'stream') set({ history: [...get().history, p.detail] });
    });
    set({ summary });
  } catch (err) {
    set({ error: describeError(err) });
  } finally {
    set({ training: false, stopping: false, paused: false });
    await refreshStreamTrainings();
  }
}

export async function stopStream(): Promise<void> {
  set({ stopping: true, paused: false });
  await useLab.getState().engine?.call('stopStreamTraining', {});
}

export async function pauseStream(paused: boolean): Promise<void> {
  const engine = useLab.getState().engine;
  if (!engine || !get().training) return;
  set({ paused, heldAt: null });
  await engine.call('pauseStreamTraining', { paused });
  if (paused && get().paused) set({ heldAt: get().history.at(-1)?.step ?? null });
}

export async function deleteStream(streamId: string): Promise<void> {
  const engine = useLab.getState().engine;
  if (!engine) return;
  try {
    await engine.call('deleteStreamTraining', { streamId });
  } catch (err) {
    set({ error: describeError(err) });
  }
  await refreshStreamTrainings();
}
