// Runs the ORT smoke inside a module worker (like the app's model worker): this is where
// bundling can go wrong, because ORT's wasm pthreads load the chunk that contains ORT.
import { runOrtSmoke } from './ort-smoke';

self.onmessage = async (e: MessageEvent<{ backend: 'wasm' | 'webgpu'; threads: number }>) => {
  try {
    self.postMessage({ ok: true, result: await runOrtSmoke(e.data.backend, e.data.threads) });
  } catch (err) {
    self.postMessage({ ok: false, error: err instanceof Error ? `${err.message}\n${err.stack}` : String(err) });
  }
};
