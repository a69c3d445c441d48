// Hash routes, so every feature has a URL that can be bookmarked and shared:
//   #/                         the lab
//   #/sae/<id>                 the feature browser of an SAE
//   #/sae/<id>/feature/<n>     one feature's page
//   #/sae/<id>/inspect         per-token features of a text
//   #/sae/<id>/steer?…         the steering page; its query is the whole setup (a shareable preset)
import { useSyncExternalStore } from 'react';

export type Route =
  | { page: 'lab' }
  | { page: 'browser'; saeId: string }
  | { page: 'feature'; saeId: string; feature: number }
  | { page: 'inspect'; saeId: string }
  | { page: 'steer'; saeId: string; query: string };

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'sae' || !parts[1]) return { page: 'lab' };
  const saeId = parts[1];
  if (parts[2] === 'feature' && /^\d+$/.test(parts[3] ?? '')) return { page: 'feature', saeId, feature: Number(parts[3]) };
  if (parts[2] === 'inspect') return { page: 'inspect', saeId };
  if (parts[2] === 'steer') return { page: 'steer', saeId, query };
  return { page: 'browser', saeId };
}

export const browserHref = (saeId: string) => `#/sae/${encodeURIComponent(saeId)}`;
export const featureHref = (saeId: string, f: number) => `#/sae/${encodeURIComponent(saeId)}/feature/${f}`;
export const inspectHref = (saeId: string) => `#/sae/${encodeURIComponent(saeId)}/inspect`;
export const steerHref = (saeId: string, query: string) => `#/sae/${encodeURIComponent(saeId)}/steer?${query}`;

const subscribe = (cb: () => void) => {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
};

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
