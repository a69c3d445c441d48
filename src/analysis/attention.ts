// Attention patterns, read as TransformerLens' blocks.L.attn.hook_pattern gives them for one sequence (no batch, no
// KV cache): per layer a Float32Array [head, query, key] of T×T per head, each query row a softmax over keys ≤ query.
// From them, three per-head summary scores (the ones used to spot previous-token, induction and "resting on BOS"
// heads), and the repeated-random-tokens test TransformerLens' tutorials use to find induction heads.
// Plain TypeScript: the worker computes the scores, the page and tests recompute them with the same functions.
import { mulberry32 } from '../core/random';

/** One head's summary scores. null: the sequence has no query the score is defined on. */
export interface HeadScores {
  layer: number;
  head: number;
  /** Mean over queries q ≥ 1 of pattern[q, q−1]. */
  prevToken: number | null;
  /** Mean over queries q of pattern[q, 0] (position 0: the BOS when one is prepended). */
  bos: number;
  /** See inductionScore: attention to the token after an earlier occurrence of the query's token. */
  induction: number | null;
}

/** The pattern of `head` in a layer's [head, T, T] array: a view, row-major [query, key]. */
export function headPattern(layer: Float32Array, head: number, T: number): Float32Array {
  return layer.subarray(head * T * T, (head + 1) * T * T);
}

/** Previous-token score: mean over queries q = 1 … T−1 of p[q, q−1]; null for T < 2 (no query has a previous token). */
export function prevTokenScore(p: Float32Array, T: number): number | null {
  if (T < 2) return null;
  let s = 0;
  for (let q = 1; q < T; q++) s += p[q * T + q - 1];
  return s / (T - 1);
}

/** BOS score: mean over every query q = 0 … T−1 of p[q, 0]. Query 0 can only attend to 0, so it always adds 1. */
export function bosScore(p: Float32Array, T: number): number {
  let s = 0;
  for (let q = 0; q < T; q++) s += p[q * T];
  return s / T;
}

/**
 * Induction targets of each query (the keys an induction head attends to): for query q, every key k = j + 1 with
 * j < q − 1 and ids[j] = ids[q], i.e. the position right after an earlier occurrence of the current token, strictly
 * before q (k = q would be the query itself, which says nothing about copying). [T] lists of keys, ascending.
 */
export function inductionTargets(ids: ArrayLike<number>): number[][] {
  const T = ids.length;
  const out: number[][] = [];
  for (let q = 0; q < T; q++) {
    const keys: number[] = [];
    for (let j = 0; j < q - 1; j++) if (ids[j] === ids[q]) keys.push(j + 1);
    out.push(keys);
  }
  return out;
}

/**
 * Induction score: for each query with at least one induction target, the total attention on its targets
 * (Σ_k p[q, k]); the mean of that over those queries. null when no token repeats (no query has a target).
 * A perfect induction head scores 1; on a sequence BOS + r + r this is, query by query, the repeated-tokens test.
 */
export function inductionScore(p: Float32Array, T: number, targets: number[][]): number | null {
  let s = 0;
  let n = 0;
  for (let q = 0; q < T; q++) {
    const keys = targets[q];
    if (!keys.length) continue;
    let a = 0;
    for (const k of keys) a += p[q * T + k];
    s += a;
    n++;
  }
  return n ? s / n : null;
}

/**
 * The conventional test on a repeated random sequence BOS + r + r (|r| = n, T = 2n + 1): the mean over the second
 * copy's queries q = n + 1 … 2n of p[q, q − n + 1]. Query q holds r[q − n − 1], first seen at q − n; the key after
 * that first occurrence is q − n + 1. TransformerLens' tutorials average the diagonal at offset −(n − 1), which also
 * takes two first-copy queries (q = n − 1, n, whose keys are BOS and r[0]); this keeps to the second copy, where the
 * stripe means "copy what followed last time".
 */
export function repeatedInductionScore(p: Float32Array, T: number, n: number): number {
  if (T !== 2 * n + 1 || n < 2) throw new Error(`a repeated sequence BOS + r + r with |r| = ${n} has ${2 * n + 1} tokens, not ${T} (and needs |r| ≥ 2)`);
  let s = 0;
  for (let q = n + 1; q <= 2 * n; q++) s += p[q * T + q - n + 1];
  return s / n;
}

/**
 * BOS + r + r with r `n` tokens drawn uniformly (seeded) from the vocabulary without BOS: the sequence the repeated
 * induction test runs on. Tokens of r may repeat within r (as torch.randint's may); the test only reads the stripe.
 */
export function repeatedRandomTokens(n: number, vocabSize: number, bos: number, seed: number): number[] {
  const rand = mulberry32(seed);
  const r: number[] = [];
  while (r.length < n) {
    const t = Math.floor(rand() * vocabSize);
    if (t !== bos) r.push(t);
  }
  return [bos, ...r, ...r];
}

/** Every head's scores, layer-major (index = layer·nHead + head). patterns: per layer [head, T, T]. */
export function headScores(patterns: Float32Array[], nHead: number, T: number, ids: ArrayLike<number>): HeadScores[] {
  if (ids.length !== T) throw new Error(`${ids.length} token ids for patterns over ${T} positions`);
  const targets = inductionTargets(ids);
  const out: HeadScores[] = [];
  patterns.forEach((layer, l) => {
    if (layer.length !== nHead * T * T) throw new Error(`layer ${l}'s pattern has ${layer.length} values, not ${nHead}·${T}·${T}`);
    for (let h = 0; h < nHead; h++) {
      const p = headPattern(layer, h, T);
      out.push({ layer: l, head: h, prevToken: prevTokenScore(p, T), bos: bosScore(p, T), induction: inductionScore(p, T, targets) });
    }
  });
  return out;
}

/** Per head, the repeated-tokens induction score (layer-major), for patterns of BOS + r + r with |r| = n. */
export function repeatedInductionScores(patterns: Float32Array[], nHead: number, n: number): number[] {
  const T = 2 * n + 1;
  return patterns.flatMap((layer) => Array.from({ length: nHead }, (_, h) => repeatedInductionScore(headPattern(layer, h, T), T, n)));
}

/**
 * The attention view shows at most this many positions (or the model's context, if shorter): patterns are
 * nLayer·nHead·T² floats, which at GPT-2 small's full 1024 would be 600 MB to copy out of the worker and draw; 256
 * keeps it to 38 MB there.
 */
export const ATTENTION_MAX_TOKENS = 256;

/** Positions the attention view of a model with `nPositions` shows: the first ones, BOS among them. */
export function attentionLimit(nPositions: number): number {
  return Math.min(nPositions, ATTENTION_MAX_TOKENS);
}
