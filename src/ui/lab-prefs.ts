// What this browser remembers between visits about the model: the source last loaded, the backend the user
// chose (only when they chose one), and a source for every model id loaded before, so a page that needs a
// model (a run's, an SAE's) can load it on demand. localStorage, because it is needed before anything async.
import type { Backend } from '../model/runtime';

/** A model source that can be reloaded without the user (dropped files cannot). */
export type RememberedSource = { kind: 'embedded' } | { kind: 'hub'; repo: string; hubUrl: string };

export interface LabPrefs {
  last: RememberedSource | null;
  backend: Backend | null; // null: pick by the adapter
  known: Record<string, RememberedSource>; // model id → where it came from
}

const KEY = 'sse.lab.v1';
const EMPTY: LabPrefs = { last: null, backend: null, known: {} };

export function readPrefs(): LabPrefs {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    const p = raw ? (JSON.parse(raw) as Partial<LabPrefs>) : {};
    return { last: p.last ?? null, backend: p.backend === 'webgpu' || p.backend === 'wasm' ? p.backend : null, known: p.known ?? {} };
  } catch {
    return { ...EMPTY, known: {} }; // unreadable prefs are dropped, never fatal
  }
}

export function writePrefs(patch: Partial<LabPrefs>): void {
  try {
    globalThis.localStorage?.setItem(KEY, JSON.stringify({ ...readPrefs(), ...patch }));
  } catch {
    /* storage disabled: the lab works, it just does not remember */
  }
}

export function rememberModel(id: string, source: RememberedSource): void {
  const p = readPrefs();
  writePrefs({ last: source, known: { ...p.known, [id]: source } });
}
