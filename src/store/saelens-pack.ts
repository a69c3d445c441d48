// SAELens' token packing (sae_lens/tokenization_and_batching.py concat_and_batch_sequences, as its ActivationsStore
// calls it for a text dataset: begin_batch_token = BOS when prepend_bos, begin_sequence_token = None,
// sequence_separator_token = BOS by default, concatenation on), so the lab's windows equal SAELens' for the same
// dataset, context size and prepend_bos. Where it differs from the lab's own WindowBuilder (src/store/windows.ts):
//  1. the separator goes BEFORE a document that continues a partly filled window, not after every document: a
//     document that starts a fresh window gets only the BOS, and the last document is not followed by one;
//  2. the BOS (and the separator) is left out when the token it would precede already is that token;
//  3. the final partial window is dropped (SAELens only yields full context_size batches);
//  4. a document with no tokens contributes nothing (no separator);
//  5. prepend_bos false is possible (no BOS at all); the lab's builder always leads with BOS.
// Pre-tokenised rows do not come through here: SAELens uses them as they are (row[:context_size]).
import type { Window } from './windows';

export interface SaeLensPackOptions {
  contextLength: number; //                     context_size
  beginBatchTokenId: number | null; //          BOS when prepend_bos, else null
  sequenceSeparatorTokenId: number | null; //   cfg.sequence_separator_token ("bos" by default → BOS id)
}

export class SaeLensPacker {
  private cur: Window = { ids: [], doc: [], offset: [] };
  private doc = -1; //        document whose tokens came last
  dropped = 0; //             tokens in the final partial window flush() threw away

  constructor(private readonly opts: SaeLensPackOptions) {
    if (opts.contextLength < 2) throw new Error('context length must be at least 2');
  }

  private append(id: number, doc: number, offset: number, out: Window[]): void {
    this.cur.ids.push(id);
    this.cur.doc.push(doc);
    this.cur.offset.push(offset);
    if (this.cur.ids.length === this.opts.contextLength) {
      out.push(this.cur);
      this.cur = { ids: [], doc: [], offset: [] };
    }
  }

  /** One token; a fresh window first gets the begin-batch token unless this token is it. */
  private push(id: number, doc: number, offset: number, out: Window[]): void {
    const bos = this.opts.beginBatchTokenId;
    if (this.cur.ids.length === 0 && bos !== null && id !== bos) this.append(bos, -1, -1, out);
    this.append(id, doc, offset, out);
  }

  /** Tokens of document `doc` from token offset `start` (a document may come in several calls, in order). */
  addTokens(doc: number, tokens: ArrayLike<number>, start: number): Window[] {
    const out: Window[] = [];
    const sep = this.opts.sequenceSeparatorTokenId;
    for (let i = 0; i < tokens.length; i++) {
      if (doc !== this.doc) {
        this.doc = doc; // first token of a new document: a separator if it continues a window
        if (this.cur.ids.length > 0 && sep !== null && tokens[i] !== sep) this.append(sep, doc, -1, out);
      }
      this.push(tokens[i], doc, start + i, out);
    }
    return out;
  }

  endDocument(_doc: number): Window[] {
    return []; // the separator is decided when (and if) the next document's first token comes
  }

  flush(): Window[] {
    this.dropped += this.cur.ids.length;
    this.cur = { ids: [], doc: [], offset: [] };
    return [];
  }

  /** The partial window, to save with a paused run (and give back on resume). */
  state(): { window: Window; doc: number } {
    return { window: structuredClone(this.cur), doc: this.doc };
  }

  restore(s: { window: Window; doc: number }): void {
    this.cur = structuredClone(s.window);
    this.doc = s.doc;
  }
}
