// The attention page's state as its URL query (#/attention?…), so a view can be bookmarked and shared:
//   prompt=<text>&bos=0|1&repeat=<|r|>&seed=<seed>&head=<layer>.<head>&q=<query position>
// repeat present: the repeated-random-tokens induction test (BOS + r + r) instead of the prompt.
export interface AttentionSetup {
  prompt: string;
  prependBos: boolean;
  /** |r| of the repeated-random-tokens test; null: the prompt. */
  repeat: number | null;
  seed: number;
  /** The head opened large; null: none yet. */
  head: { layer: number; head: number } | null;
  /** The query position whose arcs are drawn; null: the last. */
  query: number | null;
}

export const DEFAULT_ATTENTION: AttentionSetup = { prompt: '', prependBos: true, repeat: null, seed: 1, head: null, query: null };
export const DEFAULT_REPEAT = 20;

const nat = (s: string | null): number | null => (s !== null && /^\d+$/.test(s) ? Number(s) : null);

export function parseAttentionQuery(query: string): AttentionSetup {
  const q = new URLSearchParams(query);
  const head = /^(\d+)\.(\d+)$/.exec(q.get('head') ?? '');
  return {
    prompt: q.get('prompt') ?? '',
    prependBos: q.get('bos') !== '0',
    repeat: nat(q.get('repeat')),
    seed: nat(q.get('seed')) ?? DEFAULT_ATTENTION.seed,
    head: head ? { layer: Number(head[1]), head: Number(head[2]) } : null,
    query: nat(q.get('q')),
  };
}

/** Only what differs from the defaults, so short setups make short URLs. */
export function encodeAttentionQuery(s: AttentionSetup): string {
  const q = new URLSearchParams();
  if (s.prompt) q.set('prompt', s.prompt);
  if (!s.prependBos) q.set('bos', '0');
  if (s.repeat !== null) {
    q.set('repeat', String(s.repeat));
    q.set('seed', String(s.seed));
  }
  if (s.head) q.set('head', `${s.head.layer}.${s.head.head}`);
  if (s.query !== null) q.set('q', String(s.query));
  return q.toString();
}
