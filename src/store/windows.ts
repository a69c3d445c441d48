// Context windows from a stream of documents, as SAELens packs them (prepend_bos): every window starts
// with BOS; documents follow one another, each ended by a separator (the model's eos, = bos for GPT-2),
// so no document ever runs into the next without a separator between them.

export interface Window {
  ids: number[]; //    [L] token ids; ids[0] is BOS; the corpus' last window may be shorter
  doc: number[]; //    [L] document index of each token (-1 for the leading BOS)
  offset: number[]; // [L] token offset within its document (-1 for BOS and separators)
}

export interface WindowOptions {
  contextLength: number; // L, including the BOS
  bosTokenId: number;
  separatorTokenId: number;
}

/** What tokenizeIntoRun packs with: this builder, or SAELens' (src/store/saelens-pack.ts). */
export interface Packer {
  addTokens(doc: number, tokens: ArrayLike<number>, start: number): Window[];
  endDocument(doc: number): Window[];
  flush(): Window[];
  state(): unknown;
  restore(s: never): void;
}

/** Feed documents' tokens in order; take windows as they fill. */
export class WindowBuilder {
  private cur: Window;

  constructor(private readonly opts: WindowOptions) {
    if (opts.contextLength < 2) throw new Error('context length must be at least 2 (BOS + one token)');
    this.cur = this.fresh();
  }

  private fresh(): Window {
    return { ids: [this.opts.bosTokenId], doc: [-1], offset: [-1] };
  }

  private push(id: number, doc: number, offset: number, out: Window[]): void {
    this.cur.ids.push(id);
    this.cur.doc.push(doc);
    this.cur.offset.push(offset);
    if (this.cur.ids.length === this.opts.contextLength) {
      out.push(this.cur);
      this.cur = this.fresh();
    }
  }

  /** Adds tokens of document `doc` starting at token offset `start`; returns windows completed. */
  addTokens(doc: number, tokens: ArrayLike<number>, start: number): Window[] {
    const out: Window[] = [];
    for (let i = 0; i < tokens.length; i++) this.push(tokens[i], doc, start + i, out);
    return out;
  }

  /** Ends document `doc` with the separator token. */
  endDocument(doc: number): Window[] {
    const out: Window[] = [];
    this.push(this.opts.separatorTokenId, doc, -1, out);
    return out;
  }

  /** The partial window, to save with a paused run (and give back on resume). */
  state(): { window: Window } {
    return { window: structuredClone(this.cur) };
  }

  restore(s: { window: Window }): void {
    this.cur = structuredClone(s.window);
  }

  /** The last, partial window (if it holds more than the BOS). */
  flush(): Window[] {
    const last = this.cur;
    this.cur = this.fresh();
    return last.ids.length > 1 ? [last] : [];
  }
}

/**
 * Where text can be cut without changing GPT-2's tokens: just before a space that starts a word
 * (" word" is its own pre-token, and a letter run ends at the space). Returns the cut index, or -1.
 */
export function safeCutIndex(text: string, minKeep = 0): number {
  for (let i = text.length - 1; i > minKeep; i--) {
    if (text.charCodeAt(i) === 32 && i + 1 < text.length && /\p{L}/u.test(text[i + 1]) && /\S/.test(text[i - 1])) return i;
  }
  return -1;
}
