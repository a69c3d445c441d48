// The held-out share of a corpus: whole documents set aside, never trained on, for the evaluations a training
// reports beside its training figures. The split is by document (not by window or token) so no held-out text is
// seen in training even in part, and it is a pure function of the document's index and a seed, so a stored run,
// a stream over the same corpus, a reload and a resumed training all agree on it without storing a list.
//
// Held-out documents are packed into windows of their own (SplitWindowBuilder): a window is either wholly
// training text or wholly held-out text. With share 0 the training windows are exactly WindowBuilder's.
import { type Packer, type Window, WindowBuilder, type WindowOptions } from '../store/windows';

export interface HeldOutSplit {
  /** Fraction of documents held out, in [0, 0.5]. */
  share: number;
  /** Seeds which documents they are. */
  seed: number;
}

export const DEFAULT_HELD_OUT: HeldOutSplit = { share: 0.02, seed: 0 };
export const NO_HELD_OUT: HeldOutSplit = { share: 0, seed: 0 };

export function checkHeldOutSplit(s: HeldOutSplit): HeldOutSplit {
  if (!(s.share >= 0 && s.share <= 0.5)) throw new RangeError(`held-out share ${s.share} must be between 0 and 0.5`);
  if (!Number.isInteger(s.seed)) throw new RangeError(`held-out seed ${s.seed} must be an integer`);
  return s;
}

/** A 32-bit hash of (doc, seed): murmur3's finaliser over the two words, so neighbouring documents spread. */
function docHash(doc: number, seed: number): number {
  let h = Math.imul(doc >>> 0, 0xcc9e2d51) ^ Math.imul(seed >>> 0, 0x1b873593) ^ 0x9e3779b9;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Whether document `doc` (its index in the corpus, from 0) is held out. */
export function isHeldOutDocument(doc: number, split: HeldOutSplit): boolean {
  return split.share > 0 && docHash(doc, split.seed) < split.share * 2 ** 32;
}

export interface SplitWindow {
  window: Window;
  heldOut: boolean;
}

/**
 * A packer for both shares: each document's tokens go to the training or the held-out packing. Given window options
 * it packs with WindowBuilder; given a factory, with that packer (SAELens' for dataset runs), one per share.
 */
export class SplitWindowBuilder {
  private readonly train: Packer;
  private readonly held: Packer;

  constructor(
    opts: WindowOptions | (() => Packer),
    private readonly split: HeldOutSplit,
  ) {
    checkHeldOutSplit(split);
    const make = typeof opts === 'function' ? opts : () => new WindowBuilder(opts);
    this.train = make();
    this.held = make();
  }

  private route(doc: number, make: (b: Packer) => Window[]): SplitWindow[] {
    const heldOut = isHeldOutDocument(doc, this.split);
    return make(heldOut ? this.held : this.train).map((window) => ({ window, heldOut }));
  }

  addTokens(doc: number, tokens: ArrayLike<number>, start: number): SplitWindow[] {
    return this.route(doc, (b) => b.addTokens(doc, tokens, start));
  }

  endDocument(doc: number): SplitWindow[] {
    return this.route(doc, (b) => b.endDocument(doc));
  }

  /** The last partial window of each share (training first). */
  flush(): SplitWindow[] {
    return [...this.train.flush().map((window) => ({ window, heldOut: false })), ...this.held.flush().map((window) => ({ window, heldOut: true }))];
  }

  /** Both packers' partial windows, for a paused run to resume from. */
  state(): { train: unknown; held: unknown } {
    return { train: this.train.state(), held: this.held.state() };
  }

  restore(s: { train: unknown; held: unknown }): void {
    this.train.restore(s.train as never);
    this.held.restore(s.held as never);
  }
}
