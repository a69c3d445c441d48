// The deterministic window stream of a corpus: document pieces (src/corpus readers, files read as streams) →
// tokenizer → SplitWindowBuilder (src/corpus/held-out.ts). Training windows are numbered in stream order, epoch
// after epoch (the files are read again from the start); held-out windows never enter it: they go to a callback,
// for the held-out evaluations. The tokenizing and packing are the ones tokenizeIntoRun (src/store/tokenize.ts)
// does, so with share 0 the training windows of one epoch are a stored run's windows, in its order.
import type { DocumentPiece, Rejection } from '../corpus/documents';
import { type HeldOutSplit, SplitWindowBuilder, type SplitWindow } from '../corpus/held-out';
import { LabError } from '../core/errors';
import { type Window, safeCutIndex } from '../store/windows';

export interface StreamTokenizer {
  encode(text: string): number[];
}

export interface CorpusWindowOptions {
  contextLength: number; // L, including the BOS
  bosTokenId: number;
  separatorTokenId: number;
  heldOut: HeldOutSplit;
  /** Each held-out window of the corpus, in order, with its index among the held-out windows (every epoch). */
  onHeldOut?(window: Window, index: number, epoch: number): void;
  onRejection?(r: Rejection): void;
}

/** A training window of the stream: `index` counts training windows from the stream's start, over epochs. */
export interface TrainWindow {
  index: number;
  epoch: number;
  window: Window;
}

const MAX_PENDING_CHARS = 1 << 20; // as tokenizeIntoRun: cut even without a safe point past this

/** One pass over the corpus: its windows (both shares) in the order tokenizeIntoRun packs them. */
export async function* corpusPass(pieces: AsyncIterable<DocumentPiece | Rejection>, tokenizer: StreamTokenizer, o: CorpusWindowOptions): AsyncGenerator<SplitWindow> {
  const builder = new SplitWindowBuilder({ contextLength: o.contextLength, bosTokenId: o.bosTokenId, separatorTokenId: o.separatorTokenId }, o.heldOut);
  let documents = 0;
  let current: { file: string; index: number } | null = null;
  let pending = '';
  let offset = 0;
  const emit = (text: string) => {
    const ids = tokenizer.encode(text);
    const out = builder.addTokens(documents - 1, ids, offset);
    offset += ids.length;
    return out;
  };
  for await (const item of pieces) {
    if ('reason' in item) {
      o.onRejection?.(item);
      continue;
    }
    if (!current || current.file !== item.file || current.index !== item.index) {
      current = { file: item.file, index: item.index };
      documents++;
      pending = '';
      offset = 0;
    }
    pending += item.text;
    if (item.final) {
      yield* emit(pending);
      pending = '';
      yield* builder.endDocument(documents - 1);
      current = null;
    } else {
      let cut = safeCutIndex(pending, pending.length >> 1);
      if (cut < 0 && pending.length > MAX_PENDING_CHARS) cut = pending.length;
      if (cut > 0) {
        yield* emit(pending.slice(0, cut));
        pending = pending.slice(cut);
      }
    }
  }
  yield* builder.flush();
}

/**
 * Training windows from `open()` (called once per epoch: the corpus read again from the start), endlessly, from
 * training window `from` on. Windows before `from` are tokenized and skipped (no forward runs on them), which is
 * how a resumed training finds its place again. A corpus with no training window at all is an error.
 */
export async function* trainingWindows(open: () => AsyncIterable<DocumentPiece | Rejection>, tokenizer: StreamTokenizer, o: CorpusWindowOptions, from = 0): AsyncGenerator<TrainWindow> {
  let index = 0;
  for (let epoch = 0; ; epoch++) {
    let trained = 0;
    let held = 0;
    for await (const sw of corpusPass(open(), tokenizer, { ...o, onRejection: epoch === 0 ? o.onRejection : undefined })) {
      if (sw.heldOut) {
        o.onHeldOut?.(sw.window, held++, epoch);
        continue;
      }
      trained++;
      if (index >= from) yield { index, epoch, window: sw.window };
      index++;
    }
    if (trained === 0) throw new LabError('the corpus holds no training window (every document is held out, or there is no text)');
  }
}
