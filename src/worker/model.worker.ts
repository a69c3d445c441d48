// The model worker: all GPU work (onnxruntime-web WebGPU) happens here, off the page's main thread.
/// <reference lib="webworker" />
import { describeError } from '../core/errors';
import { LabEngine } from './engine';
import type { WorkerRequest, WorkerResponse } from './protocol';

const engine = new LabEngine();
const post = (msg: WorkerResponse) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(msg);

self.onmessage = async (ev: MessageEvent<WorkerRequest>) => {
  const { id, method, args } = ev.data;
  try {
    const value = await engine.call(method, args, (progress) => post({ id, kind: 'progress', progress }));
    post({ id, kind: 'return', value });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const detail = (e as { detail?: unknown }).detail; // plain data a named error carries (structured-cloned)
    post({ id, kind: 'throw', error: { name: e.name, message: e.message || describeError(err), ...(detail !== undefined ? { detail } : {}) } });
  }
};
