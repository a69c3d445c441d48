// Token strips for a feature's (or neuron's) example rows: each example's token with ±radius tokens of its window,
// every token shaded by the unit's activation on it. Activations of the context tokens are recomputed from the
// stored rows of the hook (the store keeps every token's activation), so the strip shows what the unit does around
// its example, not just at it.
import type { RunReader } from '../store/reader';
import { type Join, type TokenBytes, tokenPieces } from '../model/token-text';

export interface StripToken {
  id: number;
  /** Display text (src/model/token-text.ts), decoded over the whole window so split characters read whole. */
  text: string;
  join: Join;
  /** The unit's activation on this token; null for a position the run does not store (BOS). */
  act: number | null;
}

export interface Example {
  row: number;
  act: number;
  tokens: StripToken[];
  /** Index in `tokens` of the example's own token. */
  center: number;
  file: string | null;
}

/** Activations of one unit on rows x [n, d]: a feature through the SAE, or a raw dimension of the hook. */
export type UnitActivations = (x: Float32Array, n: number) => Float32Array | Promise<Float32Array>;

interface Span {
  row: number;
  act: number;
  ids: number[];
  lo: number; //     first position shown
  hi: number; //     last position shown
  position: number;
  firstRow: number; // row of position lo
  file: string | null;
}

/** Example strips for `examples` (rows and their activations), reading the store once per example. */
export async function exampleStrips(
  reader: RunReader,
  hook: string,
  examples: { row: number; act: number }[],
  radius: number,
  unit: UnitActivations,
  vocab: TokenBytes,
): Promise<Example[]> {
  const firstStored = reader.run.skipBos ? 1 : 0;
  const spans: Span[] = [];
  for (const e of examples) {
    const c = await reader.context(e.row);
    let lo = Math.max(firstStored, c.position - radius);
    let hi = Math.min(c.ids.length - 1, c.position + radius);
    // Rows of a window are stored consecutively; keep to those already committed.
    lo = Math.max(lo, c.position - e.row);
    hi = Math.min(hi, c.position + (reader.run.committedRows - 1 - e.row));
    spans.push({ row: e.row, act: e.act, ids: c.ids, lo, hi, position: c.position, firstRow: e.row - (c.position - lo), file: c.file });
  }
  const d = reader.dimOf(hook);
  const total = spans.reduce((a, s) => a + s.hi - s.lo + 1, 0);
  const x = new Float32Array(total * d);
  let at = 0;
  for (const s of spans) {
    const n = s.hi - s.lo + 1;
    x.set(await reader.rowRange(hook, s.firstRow, n), at * d);
    at += n;
  }
  const acts = await unit(x, total);
  at = 0;
  return spans.map((s) => {
    const tokens: StripToken[] = [];
    const pieces = tokenPieces(s.ids, vocab);
    const showFrom = Math.max(0, s.position - radius); // BOS shown without an activation
    for (let q = showFrom; q <= s.hi; q++) {
      const stored = q >= s.lo;
      tokens.push({ id: s.ids[q], ...pieces[q], act: stored ? acts[at + (q - s.lo)] : null });
    }
    at += s.hi - s.lo + 1;
    return { row: s.row, act: s.act, tokens, center: s.position - showFrom, file: s.file };
  });
}
