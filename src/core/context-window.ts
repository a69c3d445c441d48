// What of a prompt the model sees. A GPT-2 has nPositions positions; a longer prompt keeps BOS at position 0 (the
// lab's windows always start with it, and dropping it changes every activation) and the prompt's last tokens, and
// says so: how many tokens the prompt had, how many the model saw, how many were cut from the start. Generation
// reserves room for its new tokens the same way.
import { LabError } from './errors';

export interface PromptCut {
  /** The prompt's tokens (BOS not counted). */
  tokens: number;
  /** Prompt tokens the model sees: the last ones. */
  kept: number;
  /** Prompt tokens cut from the start. */
  dropped: number;
  /** BOS stays at position 0. */
  bos: boolean;
  /** The model's context window. */
  nPositions: number;
  /** Positions left free for generated tokens. */
  reserved: number;
}

export interface FittedPrompt {
  /** BOS (when asked for) and the prompt's last tokens: at most nPositions − reserve ids. */
  ids: number[];
  cut: PromptCut | null;
}

/** BOS (bos !== null) then as many of the prompt's last tokens as fit in nPositions − reserve positions. */
export function fitPrompt(prompt: number[], o: { nPositions: number; bos: number | null; reserve?: number }): FittedPrompt {
  const reserved = o.reserve ?? 0;
  const head = o.bos === null ? [] : [o.bos];
  const room = o.nPositions - reserved - head.length;
  if (room < 0) throw new RangeError(`fitPrompt: ${reserved} reserved positions leave no room in a context of ${o.nPositions}`);
  if (prompt.length <= room) return { ids: [...head, ...prompt], cut: null };
  const kept = room === 0 ? [] : prompt.slice(-room);
  return { ids: [...head, ...kept], cut: { tokens: prompt.length, kept: kept.length, dropped: prompt.length - kept.length, bos: head.length > 0, nPositions: o.nPositions, reserved } };
}

const n = (x: number) => x.toLocaleString('en-US');

/** e.g. "4,119 tokens: the model sees BOS + the last 255 (its context is 256 positions); cut 3,864 from the start". */
export function describeCut(c: PromptCut): string {
  const seen = c.bos ? `BOS + the last ${n(c.kept)}` : `the last ${n(c.kept)}`;
  const room = c.reserved ? `its context is ${n(c.nPositions)} positions, ${n(c.reserved)} of them for the new tokens` : `its context is ${n(c.nPositions)} positions`;
  return `${n(c.tokens)} tokens: the model sees ${seen} (${room}); cut ${n(c.dropped)} from the start`;
}

/** The most new tokens a generation can ask for: the context less BOS and at least one prompt token. */
export function maxNewTokens(nPositions: number): number {
  return Math.max(1, nPositions - 2);
}

export interface FittedGeneration extends FittedPrompt {
  /** New tokens to generate: what was asked for, at most maxNewTokens. */
  newTokens: number;
  /** Set when the request asked for more than fit. */
  clamped: { asked: number; max: number } | null;
}

/** A generation's prompt window (BOS + the prompt's last tokens) and new tokens, with prompt + new ≤ the context. */
export function fitGeneration(prompt: number[], asked: number, o: { nPositions: number; bos: number }): FittedGeneration {
  if (!Number.isInteger(asked) || asked < 1) throw new LabError(`ask for at least 1 new token (got ${asked})`);
  const max = maxNewTokens(o.nPositions);
  const newTokens = Math.min(asked, max);
  return { ...fitPrompt(prompt, { ...o, reserve: newTokens }), newTokens, clamped: asked > max ? { asked, max } : null };
}

/** e.g. "asked for 1,000 new tokens; the context of 256 positions holds at most 254 after BOS and a prompt token: generating 254". */
export function describeClamp(c: { asked: number; max: number }, nPositions: number): string {
  return `asked for ${n(c.asked)} new tokens; the context of ${n(nPositions)} positions holds at most ${n(c.max)} after BOS and a prompt token: generating ${n(c.max)}`;
}
