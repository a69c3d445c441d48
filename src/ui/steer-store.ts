// Steering as the page sees it: the clean and the steered continuation of one prompt, streamed token by token.
// The clean one is kept while only the steering changes; a newer run cancels the one in flight (the engine runs one
// generation at a time), so dragging a slider only pays for where it stops.
import { create } from 'zustand';
import { describeError } from '../core/errors';
import type { FeatureSteer } from '../model/steering';
import type { GenerateRequest, GenerateResult } from '../worker/protocol';
import type { ViewError } from './error-guard';
import { currentViewKey } from './route';
import type { SteerSetup } from './steer-preset';
import { useLab } from './store';

export interface Continuation {
  /** cleanKeyOf(saeId, setup) (and the steering, for a steered one): a page shows only its own setup's. */
  key: string;
  /** Display text (src/model/token-text.ts) of the tokens so far. */
  text: string;
  done: boolean;
  /** What the engine had to fit into the context: the prompt's cut and a clamp of the new tokens (once done). */
  fit: Pick<GenerateResult, 'cut' | 'clamped'> | null;
}

export interface SteerState {
  /** The setup last shown on a steering page, so feature pages can add to it. */
  last: { saeId: string; setup: SteerSetup } | null;
  clean: Continuation | null;
  steered: Continuation | null;
  error: ViewError | null;
}

export const useSteer = create<SteerState>(() => ({ last: null, clean: null, steered: null, error: null }));

export const rememberSetup = (saeId: string, setup: SteerSetup) => set({ last: { saeId, setup } });
const set = useSteer.setState;
const get = useSteer.getState;

const samplingKey = (s: SteerSetup) => JSON.stringify([s.prompt, s.maxTokens, s.temperature, s.topK, s.topP, s.seed]);
/** The key of the clean continuation of `setup` on SAE `saeId`'s page; a steered one's key starts with it and '|'. */
export const cleanKeyOf = (saeId: string, setup: SteerSetup) => `${saeId}|${samplingKey(setup)}`;

async function run(kind: 'clean' | 'steered', key: string, req: GenerateRequest): Promise<boolean> {
  const engine = useLab.getState().engine;
  if (!engine) return false;
  set({ [kind]: { key, text: '', done: false, fit: null } });
  const r = await engine.call('generate', req, (p) => {
    if (p.phase !== 'generate') return;
    const cur = get()[kind];
    if (cur?.key === key) set({ [kind]: { ...cur, text: p.detail.text } });
  });
  if (r.cancelled) return false;
  set({ [kind]: { key, text: r.tokens.join(''), done: true, fit: { cut: r.cut, clamped: r.clamped } } });
  return true;
}

/**
 * Regenerates what the setup changed: the clean continuation when prompt or sampling changed, then the steered one.
 * steers null: the steering cannot be computed (strengths in multiples of max activations the SAE has no statistics
 * for), so only the clean continuation runs and the steered one is cleared.
 */
export async function regenerate(saeId: string, setup: SteerSetup, steers: FeatureSteer[] | null): Promise<void> {
  const base = {
    prompt: setup.prompt,
    sampling: { temperature: setup.temperature, topK: setup.topK, topP: setup.topP, seed: setup.seed },
    maxTokens: setup.maxTokens,
    saeId,
  };
  const cleanKey = cleanKeyOf(saeId, setup);
  const steerKey = `${cleanKey}|${JSON.stringify(steers)}`;
  const view = currentViewKey();
  try {
    set(steers === null ? { error: null, steered: null } : { error: null });
    const clean = get().clean;
    if (!(clean?.key === cleanKey && clean.done) && !(await run('clean', cleanKey, { ...base, steering: null }))) return;
    if (steers === null) return;
    await run('steered', steerKey, { ...base, steering: steers.length ? { saeId, steers } : null });
  } catch (err) {
    set({ error: { view, message: describeError(err) } });
  }
}
