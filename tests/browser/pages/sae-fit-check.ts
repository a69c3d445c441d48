// In-page: the SAEs this browser holds (name → id), and what a fresh model worker answers when a live-model job is
// asked of each: the worker's own refusal, not the UI's, since the page never sends jobs for an SAE that does not fit.
import { describeError } from '../../../src/core/errors';
import { DEFAULT_MODEL_PATH } from '../../../src/model/sources';
import { openStore } from '../../../src/store/schema';
import { startModelWorker } from '../../../src/worker/client';

export async function saeIds(): Promise<Record<string, string>> {
  const db = await openStore();
  try {
    return Object.fromEntries((await db.getAll('saes')).map((r) => [r.name, r.id]));
  } finally {
    db.close();
  }
}

/**
 * Overlapping calls in one fresh worker (as a page's effects fire them in React's StrictMode): predictions,
 * attributions and an inspection at once. Each answer, or its error.
 */
export async function overlapping(saeId: string): Promise<string[]> {
  const engine = startModelWorker();
  try {
    await engine.call('load', { source: { kind: 'url', id: 'tiny-gpt2', baseUrl: new URL(DEFAULT_MODEL_PATH, document.baseURI).href }, options: { backend: 'wasm', hooks: [], steerAt: null } });
    const calls: Promise<unknown>[] = [
      engine.call('attribute', { saeId, prompt: 'Call me Ishmael.', target: null }),
      engine.call('attribute', { saeId, prompt: 'Call me Ishmael.', target: null }),
      engine.call('predict', { text: 'The whale', topK: 3, prependBos: true }),
      engine.call('inspectText', { saeId, text: 'Some years ago' }),
      engine.call('predict', { text: 'never mind how long', topK: 3, prependBos: true }),
    ];
    return await Promise.all(calls.map((c) => c.then(() => 'ok', (err) => describeError(err))));
  } finally {
    engine.terminate();
  }
}

/** Per SAE id, per job (generate, attribute, intervene, inspectText), the error the worker answers ("ok" if none). */
export async function jobErrors(ids: string[]): Promise<Record<string, Record<string, string>>> {
  const engine = startModelWorker();
  try {
    await engine.call('load', { source: { kind: 'url', id: 'tiny-gpt2', baseUrl: new URL(DEFAULT_MODEL_PATH, document.baseURI).href }, options: { backend: 'wasm', hooks: [], steerAt: null } });
    const out: Record<string, Record<string, string>> = {};
    const sampling = { temperature: 0, topK: 0, topP: 1, seed: 0 };
    for (const saeId of ids) {
      const jobs: Record<string, () => Promise<unknown>> = {
        generate: () => engine.call('generate', { prompt: 'Call me', sampling, maxTokens: 2, steering: { saeId, steers: [{ feature: 0, mode: 'add', value: 1 }] }, saeId }),
        attribute: () => engine.call('attribute', { saeId, prompt: 'Call me', target: null }),
        intervene: () => engine.call('intervene', { saeId, prompt: 'Call me', target: 0, unit: { kind: 'feature', feature: 0 }, mode: 'ablate', positions: 'last' }),
        inspectText: () => engine.call('inspectText', { saeId, text: 'Call me' }),
      };
      out[saeId] = {};
      for (const [name, job] of Object.entries(jobs)) {
        try {
          await job();
          out[saeId][name] = 'ok';
        } catch (err) {
          out[saeId][name] = describeError(err);
        }
      }
    }
    return out;
  } finally {
    engine.terminate();
  }
}
