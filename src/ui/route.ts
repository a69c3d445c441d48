// Hash routes, so every feature has a URL that can be bookmarked and shared:
//   #/                         the lab
//   #/model, #/runs, #/train, #/saes   the lab, scrolled to that stage's panel
//   #/features, #/steer, #/attribution the SAEs to open that view with (the stage links when no SAE is chosen)
//   #/workspace                what this browser holds: cached models, runs, SAEs, trainings, storage used
//   #/sae/<id>                 the feature browser of an SAE
//   #/sae/<id>/feature/<n>     one feature's page
//   #/sae/<id>/inspect         per-token features of a text
//   #/sae/<id>/steer?…         the steering page; its query is the whole setup (a shareable preset)
//   #/sae/<id>/attribute?prompt=…&target=…   attribution of a prediction to the SAE's features and the MLP neurons
//   #/neurons/<run>/<hook>[?sae=<id>]             the raw units (neurons) of a run's stored hook
//   #/neurons/<run>/<hook>/neuron/<n>[?sae=<id>]  one neuron's page (sae: whose features to relate it to)
//   #/toy                      the toy model of superposition (no GPT-2 needed)
//   #/attention?prompt=…       every layer × head attention pattern of a prompt (query: src/ui/attention-url.ts)
import { shownText } from './user-text';
import { useEffect, useRef, useSyncExternalStore } from 'react';

/** The lab's panels, each reachable by URL. */
export const LAB_STAGES = ['model', 'runs', 'train', 'saes'] as const;
export type LabStage = (typeof LAB_STAGES)[number];
/** Views that need an SAE; without one the URL lists the SAEs to open it with. */
export const SAE_VIEWS = ['features', 'steer', 'attribution'] as const;
export type SaeView = (typeof SAE_VIEWS)[number];

export type Route =
  | { page: 'lab'; stage?: LabStage }
  | { page: 'choose'; view: SaeView }
  | { page: 'workspace' }
  | { page: 'browser'; saeId: string }
  | { page: 'feature'; saeId: string; feature: number }
  | { page: 'inspect'; saeId: string }
  | { page: 'steer'; saeId: string; query: string }
  | { page: 'attribute'; saeId: string; prompt: string; target: string | null }
  | { page: 'neurons'; runId: string; hook: string; saeId: string | null }
  | { page: 'neuron'; runId: string; hook: string; neuron: number; saeId: string | null }
  | { page: 'toy' }
  | { page: 'attention'; query: string };

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'neurons' && parts[1] && parts[2]) return neuronRoute(parts, query);
  if (parts[0] === 'toy') return { page: 'toy' };
  if (parts[0] === 'attention') return { page: 'attention', query };
  if (parts[0] === 'workspace') return { page: 'workspace' };
  if (parts.length === 1 && (LAB_STAGES as readonly string[]).includes(parts[0])) return { page: 'lab', stage: parts[0] as LabStage };
  if (parts.length === 1 && (SAE_VIEWS as readonly string[]).includes(parts[0])) return { page: 'choose', view: parts[0] as SaeView };
  if (parts[0] !== 'sae' || !parts[1]) return { page: 'lab' };
  const saeId = parts[1];
  if (parts[2] === 'feature' && /^\d+$/.test(parts[3] ?? '')) return { page: 'feature', saeId, feature: Number(parts[3]) };
  if (parts[2] === 'inspect') return { page: 'inspect', saeId };
  if (parts[2] === 'steer') return { page: 'steer', saeId, query };
  if (parts[2] === 'attribute') {
    const q = new URLSearchParams(query);
    return { page: 'attribute', saeId, prompt: q.get('prompt') ?? '', target: q.get('target') };
  }
  return { page: 'browser', saeId };
}

function neuronRoute(parts: string[], query: string): Route {
  const [, runId, hook] = parts;
  const saeId = new URLSearchParams(query).get('sae');
  if (parts[3] === 'neuron' && /^\d+$/.test(parts[4] ?? '')) return { page: 'neuron', runId, hook, neuron: Number(parts[4]), saeId };
  return { page: 'neurons', runId, hook, saeId };
}

export const toyHref = '#/toy';
export const workspaceHref = '#/workspace';
export const stageHref = (stage: LabStage | SaeView) => `#/${stage}`;
/** query: encodeAttentionQuery's (src/ui/attention-url.ts). */
export const attentionHref = (query = '') => `#/attention${query ? `?${query}` : ''}`;
export const browserHref = (saeId: string) => `#/sae/${encodeURIComponent(saeId)}`;
export const featureHref = (saeId: string, f: number) => `#/sae/${encodeURIComponent(saeId)}/feature/${f}`;
export const inspectHref = (saeId: string) => `#/sae/${encodeURIComponent(saeId)}/inspect`;
export const steerHref = (saeId: string, query: string) => `#/sae/${encodeURIComponent(saeId)}/steer?${query}`;
/** target: a token id; absent: the model's top prediction. */
export const attributeHref = (saeId: string, prompt = '', target: number | null = null) => {
  const q = new URLSearchParams({ prompt });
  if (target !== null) q.set('target', String(target));
  return `#/sae/${encodeURIComponent(saeId)}/attribute?${q}`;
};
const saeQuery = (saeId: string | null | undefined) => (saeId ? `?sae=${encodeURIComponent(saeId)}` : '');
export const neuronsHref = (runId: string, hook: string, saeId?: string | null) => `#/neurons/${encodeURIComponent(runId)}/${encodeURIComponent(hook)}${saeQuery(saeId)}`;
export const neuronHref = (runId: string, hook: string, n: number, saeId?: string | null) =>
  `#/neurons/${encodeURIComponent(runId)}/${encodeURIComponent(hook)}/neuron/${n}${saeQuery(saeId)}`;

/**
 * The view a route shows, without what its query only tunes (a steering setup, an attribution's prompt, a lab stage's
 * scroll): an error belongs to the view it was raised on, and another view never shows it.
 */
export function viewKey(route: Route): string {
  switch (route.page) {
    case 'lab':
      return 'lab';
    case 'choose':
      return `choose:${route.view}`;
    case 'feature':
      return `feature:${route.saeId}:${route.feature}`;
    case 'browser':
    case 'inspect':
    case 'steer':
    case 'attribute':
      return `${route.page}:${route.saeId}`;
    case 'neurons':
      return `neurons:${route.runId}:${route.hook}`;
    case 'neuron':
      return `neuron:${route.runId}:${route.hook}:${route.neuron}`;
    default:
      return route.page;
  }
}

/** The view of the address the page shows now ('lab' outside a browser). */
export function currentViewKey(): string {
  return typeof window === 'undefined' ? 'lab' : viewKey(parseRoute(window.location.hash));
}

const subscribe = (cb: () => void) => {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
};

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}

/**
 * Calls `onChange` with the new route when the address changes from outside the page: back/forward, an edited hash,
 * a link. A page's own history.replaceState (keeping the URL in step with its controls) fires no hashchange, so a
 * page that mirrors its state into the URL hears only the changes it did not make itself.
 */
export function useRouteChange(onChange: (route: Route) => void): void {
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => subscribe(() => latest.current(parseRoute(window.location.hash))), []);
}

/** A store's error when it was raised on the view the page shows now, else null. */
export function useViewError(error: { view: string; message: string } | null): string | null {
  const view = viewKey(useRoute());
  return error?.view === view ? shownText(error.message) : null;
}
