// Page-side client for the model worker: same Engine interface as the in-thread LabEngine.
import { LabError } from '../core/errors';
import type { Args, Engine, Method, ProgressFn, Result, WorkerRequest, WorkerResponse } from './protocol';

/** An error raised inside the worker, re-created on the page with its original name. */
export class WorkerError extends LabError {
  constructor(
    name: string,
    message: string,
    /** What the original error carried for the page (e.g. EmptyCorpusError's rejections). */
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = name;
  }
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onProgress?: ProgressFn;
}

export class WorkerEngine implements Engine {
  private nextId = 1;
  private pending = new Map<number, Pending>();

  constructor(private readonly worker: Worker) {
    worker.onmessage = (ev: MessageEvent<WorkerResponse>) => this.receive(ev.data);
    worker.onerror = (ev) => this.failAll(new WorkerError('WorkerCrashed', `the model worker crashed: ${ev.message || 'unknown error'}`));
  }

  call<M extends Method>(method: M, args: Args<M>, onProgress?: ProgressFn): Promise<Result<M>> {
    const id = this.nextId++;
    return new Promise<Result<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress });
      const msg: WorkerRequest<M> = { id, method, args };
      this.worker.postMessage(msg);
    });
  }

  private receive(msg: WorkerResponse): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.kind === 'progress') {
      p.onProgress?.(msg.progress);
      return;
    }
    this.pending.delete(msg.id);
    if (msg.kind === 'return') p.resolve(msg.value);
    else p.reject(new WorkerError(msg.error.name, msg.error.message, msg.error.detail));
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  terminate(): void {
    this.worker.terminate();
    this.failAll(new WorkerError('WorkerTerminated', 'the model worker was stopped'));
  }
}

export function startModelWorker(): WorkerEngine {
  return new WorkerEngine(new Worker(new URL('./model.worker.ts', import.meta.url), { type: 'module', name: 'model' }));
}
