// Text generation on a Gpt2Model: prefill the prompt, then one token per step, with the KV cache (or, for
// comparison, recomputing the whole sequence each step). Sampling is seeded, so two generations with the same
// seed and the same logits choose the same tokens — which is what lets the page show a steered and an unsteered
// continuation side by side and attribute every difference to the steering.
import { mulberry32 } from '../core/random';
import type { Gpt2Model, SteerSpec } from './gpt2';
import type { KvCache } from './kv-cache';

export interface SampleOptions {
  /** 0: greedy (argmax). */
  temperature: number;
  /** Keep the k most likely tokens (0: all). */
  topK: number;
  /** Keep the smallest set whose probability reaches p (1: all). */
  topP: number;
  seed: number;
}

export const DEFAULT_SAMPLING: SampleOptions = { temperature: 0.8, topK: 40, topP: 0.95, seed: 0 };

/** A token from `logits` [V]: greedy at temperature 0, else softmax(logits / T) cut by top-k and top-p. */
export function sampleToken(logits: Float32Array, o: SampleOptions, rand: () => number): number {
  const V = logits.length;
  let best = 0;
  for (let i = 1; i < V; i++) if (logits[i] > logits[best]) best = i;
  if (o.temperature <= 0) return best;
  // Candidates by logit, best first (ties: lower id), cut to top-k.
  let order = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a] || a - b);
  if (o.topK > 0) order = order.slice(0, o.topK);
  const max = logits[order[0]];
  const w = order.map((i) => Math.exp((logits[i] - max) / o.temperature));
  const z = w.reduce((a, b) => a + b, 0);
  // Top-p: the smallest prefix whose probability mass reaches p.
  let keep = order.length;
  if (o.topP < 1) {
    let mass = 0;
    for (let j = 0; j < order.length; j++) {
      mass += w[j] / z;
      if (mass >= o.topP) {
        keep = j + 1;
        break;
      }
    }
  }
  const total = w.slice(0, keep).reduce((a, b) => a + b, 0);
  let u = rand() * total;
  for (let j = 0; j < keep; j++) {
    u -= w[j];
    if (u < 0) return order[j];
  }
  return order[keep - 1];
}

export interface GenerateOptions extends SampleOptions {
  maxTokens: number;
  /** Stop after sampling this token (GPT-2's <|endoftext|>); null: never. */
  eosTokenId: number | null;
  /** Added at the model's steering hook on every position (shape [1, 1, dim] broadcasts). */
  steer?: SteerSpec;
  /**
   * A steer that depends on the positions' activations at the model's steering hook (SAE clamp / ablate): each
   * step first runs with no steer to read the hook (the model must expose it), then runs again with
   * `steerFrom(x [T, dim], T)`. Overrides `steer`.
   */
  steerFrom?: (x: Float32Array, T: number) => SteerSpec;
  /** Recompute the whole sequence each step instead of using the KV cache (for comparison and benchmarks). */
  noCache?: boolean;
  signal?: AbortSignal;
}

export interface GeneratedToken {
  id: number;
  /** The logits the token was sampled from [V]. */
  logits: Float32Array;
}

/** Generates up to maxTokens after `prompt` (token ids, BOS included if wanted), yielding each token as it comes. */
export async function* generate(model: Gpt2Model, prompt: number[], o: GenerateOptions): AsyncGenerator<GeneratedToken> {
  if (prompt.length === 0) throw new RangeError('generate: the prompt needs at least one token (e.g. BOS)');
  const rand = mulberry32(o.seed);
  const ids = prompt.slice();
  const useCache = model.kvCache && !o.noCache;
  let past: KvCache | null = null;
  try {
    for (let step = 0; step < o.maxTokens && ids.length < model.cfg.nPositions; step++) {
      if (o.signal?.aborted) return;
      let logits: Float32Array;
      if (useCache) {
        const fresh = step === 0 ? ids : ids.slice(-1);
        const steer = o.steerFrom ? await readAndSteer(model, fresh, past, o.steerFrom) : o.steer;
        const out = await model.forwardWithCache([fresh], past, { steer });
        past?.dispose();
        past = out.present;
        logits = lastLogits(out, fresh.length, model.cfg.vocabSize);
      } else {
        const steer = o.steerFrom ? o.steerFrom(await hookOf(model, await model.forward([ids])), ids.length) : o.steer;
        const out = await model.forward([ids], { steer });
        logits = lastLogits(out, ids.length, model.cfg.vocabSize);
      }
      const id = sampleToken(logits, o, rand);
      ids.push(id);
      yield { id, logits };
      if (o.eosTokenId !== null && id === o.eosTokenId) return;
    }
  } finally {
    past?.dispose();
  }
}

/** The steering hook's activations [T, dim] from a forward result (the model must expose its steering hook). */
async function hookOf(model: Gpt2Model, out: { hooks: Record<string, { data: Float32Array }> }): Promise<Float32Array> {
  const at = model.steerAt;
  if (!at || !out.hooks[at]) throw new RangeError(`generate: steerFrom needs a model that steers at a hook and exposes it (build it with steerAt and hooks: [${at ?? 'the hook'}])`);
  return out.hooks[at].data;
}

/** Pass A of a two-pass step: the new positions' hook activations with no steer there (past already steered). */
async function readAndSteer(model: Gpt2Model, fresh: number[], past: KvCache | null, steerFrom: (x: Float32Array, T: number) => SteerSpec): Promise<SteerSpec> {
  const probe = await model.forwardWithCache([fresh], past);
  probe.present.dispose();
  return steerFrom(await hookOf(model, probe), fresh.length);
}

function lastLogits(out: { logits: { data: Float32Array } | null; logitsLast: { data: Float32Array } | null }, T: number, V: number): Float32Array {
  if (out.logitsLast) return out.logitsLast.data.slice(0, V);
  if (!out.logits) throw new RangeError('generate: the model has no logits output');
  return out.logits.data.slice((T - 1) * V, T * V);
}
