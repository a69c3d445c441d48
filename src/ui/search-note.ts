// What a token search found, in words: whether the text was in the top examples' own tokens or only across tokens
// (a word the tokenizer splits), so a search that finds nothing, or finds a split word, says why.
import type { UnitSearch } from '../worker/protocol';
import { cellText } from './token-label';

const q = (t: string) => `'${cellText(t)}'`;

/** "N matching" first (tests and readers look for it), then how; '' after the count when it matched in tokens only. */
export function searchNote(kind: 'feature' | 'neuron', query: string, r: UnitSearch): string {
  const n = r.hits.length;
  const more = n >= r.limit ? ` (the first ${r.limit})` : '';
  const across = r.split ? `across tokens ${r.split.map(q).join('+')}` : 'across tokens';
  if (n === 0) return `0 matching · no ${kind}'s top examples contain ${q(query)}, in one token or across tokens`;
  if (r.acrossTokens === 0) return `${n} matching${more}`;
  if (r.inToken === 0) return `${n} matching${more} · no ${kind}'s top token contains ${q(query)}; matched ${across}`;
  return `${n} matching${more} · ${r.inToken} in a token, ${r.acrossTokens} only ${across}`;
}
