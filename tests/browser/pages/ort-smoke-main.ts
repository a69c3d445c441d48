// Entry of ort-smoke.html: ?backend=wasm|webgpu&threads=N&where=page|worker; result in window.__ortSmoke.
import { runOrtSmoke } from './ort-smoke';

type Outcome = { ok: true; result: unknown } | { ok: false; error: string };
declare global {
  interface Window {
    __ortSmoke?: Outcome;
  }
}

const q = new URLSearchParams(location.search);
const backend = q.get('backend') === 'webgpu' ? 'webgpu' : 'wasm';
const threads = Number(q.get('threads') ?? '2');
const fail = (e: unknown): Outcome => ({ ok: false, error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) });

if (q.get('where') === 'worker') {
  const worker = new Worker(new URL('./ort-smoke.worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (e: MessageEvent<Outcome>) => (window.__ortSmoke = e.data);
  worker.onerror = (e) => (window.__ortSmoke = fail(e.message || 'worker error'));
  worker.postMessage({ backend, threads });
} else {
  runOrtSmoke(backend, threads).then(
    (result) => (window.__ortSmoke = { ok: true, result }),
    (e: unknown) => (window.__ortSmoke = fail(e)),
  );
}
