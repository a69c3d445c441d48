// Hash routes, so every feature has a URL that can be bookmarked and shared:
//   #/                         the lab
//   #/sae/<id>                 the feature browser of an SAE
//   #/sae/<id>/feature/<n>     one feature's page
//   #/sae/<id>/inspect         per-token features of a text
import { useSyncExternalStore } from 'react';

export type Route =
  | { page: 'lab' }
  | { page: 'browser'; saeId: string }
  | { page: 'feature'; saeId: string; feature: number }
  | { page: 'inspect'; saeId: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'sae' || !parts[1]) return { page: 'lab' };
  const saeId = parts[1];
  if (parts[2] === 'feature' && /^\d+$/.test(parts[3] ?? '')) return { page: 'feature', saeId, feature: Number(parts[3]) };
  if (parts[2] === 'inspect') return { page: 'inspect', saeId };
  return { page: 'browser', saeId };
}

export const browserHref = (saeId: string) => `#/sae/${encodeURIComponent(saeId)}`;
export const featureHref = (saeId: string, f: number) => `#/sae/${encodeURIComponent(saeId)}/feature/${f}`;
export const inspectHref = (saeId: string) => `#/sae/${encodeURIComponent(saeId)}/inspect`;

const subscribe = (cb: () => void) => {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
};

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
