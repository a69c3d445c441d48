// Searching units (features, neurons) by text in their top examples, on the decoded text rather than token by token:
// a word the tokenizer splits ("script" = "sc" + "ript") is found as a span of tokens around an example's token.
// The result says how it matched, so a search that finds a word only across tokens says so.
import { type TokenBytes, piecesOfBytes } from '../model/token-text';

/** How one example matched: in its own token, or as a span of tokens around it (their display texts). */
export type ExampleMatch = { across: false } | { across: true; pieces: string[] };

/** Units whose top examples contain the query, and how they matched. */
export interface UnitSearch {
  hits: number[]; //      most matching examples first
  /** Units with an example whose own token contains the query. */
  inToken: number;
  /** Units found only through spans of tokens. */
  acrossTokens: number;
  /** The tokens a cross-token match spans most often (display texts), e.g. ["sc", "ript"]; null if none. */
  split: string[] | null;
  /** Hits beyond this many are left off. */
  limit: number;
}

/** Tokens each side of an example that a match of `query` can reach: every token holds at least one byte. */
export function searchRadius(query: string): number {
  return Math.max(1, Math.min(new TextEncoder().encode(query).length - 1, 16));
}

/**
 * Whether a token's lowercased text could be part of an occurrence of `q`: it holds q, ends with a start of q,
 * starts with an end of q, or lies inside q. A token that alone is no whole character might be anything non-ASCII.
 */
export function mayTouch(text: string, q: string): boolean {
  if (text.includes('\uFFFD')) return /[^\x00-\x7f]/.test(q);
  if (!text) return false;
  if (text.includes(q) || q.includes(text)) return true;
  for (let k = 1; k < Math.min(text.length, q.length); k++) {
    if (text.endsWith(q.slice(0, k)) || text.startsWith(q.slice(q.length - k))) return true;
  }
  return false;
}

/**
 * Whether `q` (lowercase) occurs in the decoded text of `tokens` (an example's neighbourhood) overlapping the
 * token at `center`; null if not.
 */
export function matchAround(tokens: readonly Uint8Array[], center: number, q: string): ExampleMatch | null {
  const pieces = piecesOfBytes(tokens);
  const lower = pieces.map((p) => p.raw.toLowerCase());
  if (lower[center].includes(q)) return { across: false };
  const starts: number[] = [];
  let text = '';
  for (const l of lower) {
    starts.push(text.length);
    text += l;
  }
  const end = (i: number) => starts[i] + lower[i].length;
  // A token whose bytes end in a later token's character stands for that character.
  let c = center;
  while (!lower[c] && c + 1 < pieces.length && (pieces[c].join === 'next' || pieces[c].join === 'both')) c++;
  const [cs, ce] = [starts[c], end(c)];
  if (cs === ce) return null;
  for (let at = text.indexOf(q); at >= 0; at = text.indexOf(q, at + 1)) {
    if (at >= ce || at + q.length <= cs) continue;
    const touched = pieces.map((_, i) => i).filter((i) => (starts[i] < at + q.length && end(i) > at) || (i >= center && i <= c));
    return { across: true, pieces: touched.map((i) => pieces[i].text) };
  }
  return null;
}

/**
 * Units (rows of `topIds`) ranked by how many of their top examples contain `query`, case-insensitively.
 * `around(slot)` gives the ids of an example's neighbourhood [slot's row − r … + r] (−1 where there is none) with the
 * example itself at index r = searchRadius(query); `topN` examples per unit; `topIds[slot]` −1 for an empty slot.
 */
export function searchUnits(
  topIds: Int32Array,
  topN: number,
  query: string,
  vocab: TokenBytes,
  around: (slot: number) => Int32Array,
  limit: number,
): UnitSearch {
  const q = query.toLowerCase();
  const text = new Map<number, string>();
  const lowerOf = (id: number) => {
    let t = text.get(id);
    if (t === undefined) text.set(id, (t = piecesOfBytes([vocab.tokenBytes(id)])[0].raw.toLowerCase()));
    return t;
  };
  const r = searchRadius(q);
  const splits = new Map<string, { pieces: string[]; n: number }>();
  const scored: [number, number][] = [];
  let inToken = 0;
  const units = topIds.length / topN;
  for (let u = 0; u < units; u++) {
    let count = 0;
    let own = false;
    for (let j = 0; j < topN; j++) {
      const slot = u * topN + j;
      const id = topIds[slot];
      if (id < 0 || !mayTouch(lowerOf(id), q)) continue;
      if (lowerOf(id).includes(q)) {
        [count, own] = [count + 1, true];
        continue;
      }
      const ids = around(slot);
      let lo = r;
      let hi = r;
      while (lo > 0 && ids[lo - 1] >= 0) lo--;
      while (hi + 1 < ids.length && ids[hi + 1] >= 0) hi++;
      const m = matchAround(Array.from(ids.subarray(lo, hi + 1), (i) => vocab.tokenBytes(i)), r - lo, q);
      if (!m) continue;
      count++;
      if (m.across) {
        const key = JSON.stringify(m.pieces);
        const s = splits.get(key) ?? { pieces: m.pieces, n: 0 };
        s.n++;
        splits.set(key, s);
      }
    }
    if (count > 0) scored.push([u, count]);
    if (own) inToken++;
  }
  const split = [...splits.values()].sort((a, b) => b.n - a.n)[0]?.pieces ?? null;
  return {
    hits: scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, limit).map(([u]) => u),
    inToken,
    acrossTokens: scored.length - inToken,
    split,
    limit,
  };
}
