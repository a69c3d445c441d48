// A steering setup as a URL query (a preset anyone can open): prompt, sampling, and the steered features, each with
// its mode and its strength as a multiple of the feature's max activation, or (u=abs) in the activation's own units for
// an SAE without statistics (its max activations are what the statistics pass measures).
//   p=<prompt>&n=<max tokens>&t=<temperature>&k=<top-k>&tp=<top-p>&seed=<seed>&f=<feature>:<mode>:<multiple>,…[&u=abs]
import type { SteerMode } from '../model/steering';

export interface SteerEntry {
  feature: number;
  mode: SteerMode;
  /** Strength relative to the feature's max activation (add: α = m · max; clamp: c = m · max); the value itself when units is 'abs'. */
  multiple: number;
}

export interface SteerSetup {
  prompt: string;
  maxTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  features: SteerEntry[];
  /** 'max': strengths are multiples of each feature's max activation; 'abs': they are activations. */
  units: 'max' | 'abs';
}

export const DEFAULT_SETUP: SteerSetup = { prompt: 'Call me Ishmael. Some years ago', maxTokens: 24, temperature: 0.8, topK: 40, topP: 0.95, seed: 0, features: [], units: 'max' };

const MODES: SteerMode[] = ['add', 'clamp', 'ablate'];

export function encodeSetup(s: SteerSetup): string {
  const q = new URLSearchParams();
  q.set('p', s.prompt);
  q.set('n', String(s.maxTokens));
  q.set('t', String(s.temperature));
  q.set('k', String(s.topK));
  q.set('tp', String(s.topP));
  q.set('seed', String(s.seed));
  q.set('f', s.features.map((f) => `${f.feature}:${f.mode}:${f.multiple}`).join(','));
  if (s.units === 'abs') q.set('u', 'abs');
  return q.toString();
}

export function decodeSetup(query: string): SteerSetup {
  const q = new URLSearchParams(query);
  const num = (key: string, fallback: number) => {
    const v = Number(q.get(key));
    return q.has(key) && Number.isFinite(v) ? v : fallback;
  };
  const features: SteerEntry[] = [];
  for (const part of (q.get('f') ?? '').split(',').filter(Boolean)) {
    const [f, mode, m] = part.split(':');
    const feature = Number(f);
    const multiple = Number(m);
    if (Number.isInteger(feature) && feature >= 0 && MODES.includes(mode as SteerMode) && Number.isFinite(multiple)) features.push({ feature, mode: mode as SteerMode, multiple });
  }
  return {
    prompt: q.get('p') ?? DEFAULT_SETUP.prompt,
    maxTokens: num('n', DEFAULT_SETUP.maxTokens),
    temperature: num('t', DEFAULT_SETUP.temperature),
    topK: num('k', DEFAULT_SETUP.topK),
    topP: num('tp', DEFAULT_SETUP.topP),
    seed: num('seed', DEFAULT_SETUP.seed),
    features,
    units: q.get('u') === 'abs' ? 'abs' : 'max',
  };
}
