// onnxruntime-web session creation: WebGPU when the browser has it, wasm otherwise, with the reason kept.
import * as ort from 'onnxruntime-web';
import { RuntimeError, describeError } from '../core/errors';
import { probeWebGpu, webgpuUnavailableReason } from './webgpu';

export type Backend = 'webgpu' | 'wasm';

export interface BackendStatus {
  backend: Backend;
  /** Why WebGPU is not in use, when it was asked for. Shown to the user, never swallowed. */
  fallbackReason: string | null;
  adapter: string | null; // e.g. "google / swiftshader"
  /** A software adapter (SwiftShader): correct, but usually far slower than the wasm backend. */
  softwareAdapter: boolean;
}

let configured = false;
function configureOrt(): void {
  if (configured) return;
  configured = true;
  const cores = (globalThis.navigator?.hardwareConcurrency ?? 2) | 0;
  ort.env.wasm.numThreads = Math.max(1, Math.min(4, cores));
  ort.env.logLevel = 'error';
}

async function adapterInfo(): Promise<{ adapter: string | null; softwareAdapter: boolean }> {
  const { adapter, software } = await probeWebGpu();
  return { adapter, softwareAdapter: software };
}

export interface CreatedSession {
  session: ort.InferenceSession;
  status: BackendStatus;
}

/**
 * Creates a session on the preferred backend, falling back to wasm (with the reason) if WebGPU fails.
 * `keepOnGpu`: WebGPU outputs stay in GPU buffers (for later GPU stages) instead of being read back.
 */
export async function createSession(model: Uint8Array, prefer: Backend, keepOnGpu = false): Promise<CreatedSession> {
  configureOrt();
  let fallbackReason: string | null = null;
  if (prefer === 'webgpu') {
    fallbackReason = await webgpuUnavailableReason();
    if (!fallbackReason) {
      try {
        const session = await ort.InferenceSession.create(model, {
          executionProviders: ['webgpu'],
          graphOptimizationLevel: 'all',
          logSeverityLevel: 3,
          ...(keepOnGpu ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
        });
        return { session, status: { backend: 'webgpu', fallbackReason: null, ...(await adapterInfo()) } };
      } catch (err) {
        fallbackReason = `onnxruntime-web could not create a WebGPU session: ${describeError(err)}`;
      }
    }
  }
  try {
    const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
    return { session, status: { backend: 'wasm', fallbackReason, adapter: null, softwareAdapter: false } };
  } catch (err) {
    throw new RuntimeError(`onnxruntime-web could not load the model: ${describeError(err)}`);
  }
}

/**
 * onnxruntime-web's wasm module (the JSEP build, used for both backends) runs one session at a time per thread: a run
 * started while another is in flight fails with "Session already started" and the first with "Session mismatch"
 * (ort 1.30), e.g. two attributions of one page, or a generation beside an inspection. Every run in this thread goes
 * through this queue, in the order asked.
 */
let running: Promise<unknown> = Promise.resolve();
export function runExclusive<T>(run: () => Promise<T>): Promise<T> {
  const next = running.then(run);
  running = next.catch(() => undefined);
  return next;
}

export { ort };
