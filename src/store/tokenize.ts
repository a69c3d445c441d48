// Corpus → windows in the store. Documents arrive as streamed text pieces; each is tokenized at cut
// points that cannot change GPT-2's tokens, packed into BOS-led windows, and written in chunks, so
// neither a 2 GB file nor its token stream is ever held whole. A run with a held-out share packs its held-out
// documents into windows of their own (SplitWindowBuilder, one packer per share) and marks them in each chunk.
import { LabError } from '../core/errors';
import type { Gpt2Tokenizer } from '../model/tokenizer';
import { putWindowChunk, saveManifest } from './runs';
import type { DocumentRecord, RejectionInfo, RunManifest, StoreDb, WindowChunk } from './schema';
import { SaeLensPacker } from './saelens-pack';
import { type Packer, type Window, WindowBuilder, safeCutIndex } from './windows';
import { NO_HELD_OUT, type SplitWindow, SplitWindowBuilder, isHeldOutDocument } from '../corpus/held-out';

export interface TextPiece {
  file: string;
  index: number; // document within its file (jsonl/csv row; 0 for txt/md)
  text: string;
  final: boolean; // last piece of this document
}

/** A pre-tokenised document (a dataset's token-id column): its ids are one window, used as they are (cut to L). */
export interface TokenPiece {
  file: string;
  index: number;
  ids: ArrayLike<number>;
  final: true;
}

/** Where a dataset stream stands after an item (src/corpus/dataset-stream.ts DatasetCursor). */
interface Cursor {
  shard: number;
  row: number;
}

export interface PieceRejection {
  file: string;
  line?: number;
  reason: string;
}

export interface TokenizeProgress {
  documents: number;
  tokens: number;
  windows: number;
  chars: number;
}

/**
 * A corpus with no text to store: every file was skipped (binary, empty, not UTF-8, no such field …). It carries the
 * rejections so the page can list them; no run is kept for it.
 */
export class EmptyCorpusError extends LabError {
  readonly detail: { rejections: RejectionInfo[] };
  constructor(files: number, rejections: RejectionInfo[]) {
    super(emptyCorpusMessage(files, rejections));
    this.detail = { rejections };
  }
}

/** "no run was made: none of the 2 files holds text to tokenize (a.txt: empty file; b.bin: …)": the first five reasons. */
export function emptyCorpusMessage(files: number, rejections: RejectionInfo[]): string {
  const named = rejections.slice(0, 5).map((r) => `${r.file}${r.line !== undefined ? `:${r.line}` : ''}: ${r.reason}`);
  if (rejections.length > 5) named.push(`${rejections.length - 5} more`);
  const which = files === 1 ? 'the file holds no text to tokenize' : `none of the ${files} files holds text to tokenize`;
  return (
    `no run was made: ${which}${named.length ? ` (${named.join('; ')})` : ''}. ` +
    'Choose UTF-8 text files (.txt, .md, .jsonl or .csv; for .jsonl and .csv, check the field or column name).'
  );
}

const MAX_PENDING_CHARS = 1 << 20; // cut even without a safe point past this (a megabyte with no spaces)

/** Every document fell in the held-out share: nothing would be left to train on. No run is kept for it. */
export class AllHeldOutError extends LabError {}

class ChunkWriter {
  private buf: SplitWindow[] = [];
  constructor(
    private readonly db: StoreDb,
    private readonly run: RunManifest,
  ) {}

  async add(windows: SplitWindow[]): Promise<void> {
    for (const sw of windows) {
      const w = sw.window;
      const rows = this.run.skipBos ? w.ids.length - 1 : w.ids.length;
      this.buf.push(sw);
      this.run.windows++;
      this.run.tokens += w.ids.length;
      this.run.totalRows += rows;
      if (sw.heldOut) {
        this.run.heldOutWindows = (this.run.heldOutWindows ?? 0) + 1;
        this.run.heldOutRows = (this.run.heldOutRows ?? 0) + rows;
      }
      if (this.buf.length === this.run.windowsPerChunk) await this.flush();
    }
  }

  /** Windows not yet in a chunk (kept with a paused run, so chunks stay full-sized). */
  pending(): SplitWindow[] {
    return structuredClone(this.buf);
  }

  restore(windows: SplitWindow[]): void {
    this.buf = structuredClone(windows);
  }

  async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const ws = this.buf.map((b) => b.window);
    const chunk: WindowChunk = {
      runId: this.run.id,
      index: this.run.windowChunks,
      lengths: ws.map((w) => w.ids.length),
      ids: Int32Array.from(ws.flatMap((w) => w.ids)),
      doc: Int32Array.from(ws.flatMap((w) => w.doc)),
      offset: Int32Array.from(ws.flatMap((w) => w.offset)),
      // Runs without a split write no flags, as before.
      ...(this.run.heldOut ? { heldOut: Uint8Array.from(this.buf, (b) => (b.heldOut ? 1 : 0)) } : {}),
    };
    await putWindowChunk(this.db, chunk);
    this.run.windowChunks++;
    this.buf = [];
  }
}

/** The run's packing: SAELens' (runs from a dataset, to match its activations store) or the lab's. */
export function packerFor(run: RunManifest, separatorTokenId: number): Packer {
  if (run.packing === 'saelens') {
    return new SaeLensPacker({ contextLength: run.contextLength, beginBatchTokenId: run.prependBos ? run.bosTokenId : null, sequenceSeparatorTokenId: separatorTokenId });
  }
  return new WindowBuilder({ contextLength: run.contextLength, bosTokenId: run.bosTokenId, separatorTokenId });
}

export interface TokenizeOptions {
  separatorTokenId: number;
  onProgress?: (p: TokenizeProgress) => void;
  signal?: AbortSignal;
  /** Stop once the run's windows hold this many tokens (at a document boundary; the partial window is kept as its packing says). */
  maxTokens?: number;
}

/**
 * Tokenizes every document into the run's windows; rejections are recorded, the rest proceeds. A corpus that yields
 * no rows at all throws EmptyCorpusError (its caller deletes the run). Token pieces (pre-tokenised rows) are windows
 * as they are. A dataset stream that pauses (DatasetPausedError) leaves the run 'paused' with everything needed to
 * resume saved in run.dataset (packer state, unwritten windows, cursor); calling again with the stream from that
 * cursor goes on as if nothing had happened.
 */
export async function tokenizeIntoRun(
  db: StoreDb,
  run: RunManifest,
  pieces: AsyncIterable<(TextPiece | TokenPiece | PieceRejection) & { next?: Cursor }>,
  tokenizer: Pick<Gpt2Tokenizer, 'encode'>,
  opts: TokenizeOptions,
): Promise<void> {
  const builder = new SplitWindowBuilder(() => packerFor(run, opts.separatorTokenId), run.heldOut ?? NO_HELD_OUT);
  const writer = new ChunkWriter(db, run);
  const resume = run.dataset?.resume;
  if (resume) {
    builder.restore(resume.packer as never);
    writer.restore(resume.windows as SplitWindow[]);
    run.dataset!.resume = null;
    run.status = 'tokenizing';
    run.error = null;
  }
  let docs: DocumentRecord[] = [];
  let current: { file: string; index: number } | null = null;
  let pending = '';
  let offset = 0;
  let chars = 0;

  const emit = async (text: string) => {
    const ids = tokenizer.encode(text);
    await writer.add(builder.addTokens(run.documents - 1, ids, offset));
    offset += ids.length;
  };

  try {
    for await (const item of pieces) {
      opts.signal?.throwIfAborted();
      if ('reason' in item) {
        run.rejections.push({ file: item.file, line: item.line, reason: item.reason });
        continue;
      }
      if ('ids' in item && item.ids.length < run.contextLength) {
        // every window but the last must be full length (the harvest counts rows by it), and SAELens stacks them
        run.rejections.push({ file: item.file, line: item.index + 1, reason: `row ${item.index}: ${item.ids.length} token ids, fewer than the context size ${run.contextLength}` });
        continue;
      }
      if (!current || current.file !== item.file || current.index !== item.index) {
        current = { file: item.file, index: item.index };
        docs.push({ runId: run.id, index: run.documents, file: item.file, row: item.index });
        run.documents++;
        pending = '';
        offset = 0;
      }
      if ('ids' in item) {
        const doc = run.documents - 1;
        await writer.add([{ window: asIs(doc, item.ids, run.contextLength), heldOut: isHeldOutDocument(doc, run.heldOut ?? NO_HELD_OUT) }]);
        current = null;
      } else {
        pending += item.text;
        chars += item.text.length;
        if (item.final) {
          await emit(pending);
          pending = '';
          await writer.add(builder.endDocument(run.documents - 1));
          current = null;
        } else {
          let cut = safeCutIndex(pending, pending.length >> 1);
          if (cut < 0 && pending.length > MAX_PENDING_CHARS) cut = pending.length;
          if (cut > 0) {
            await emit(pending.slice(0, cut));
            pending = pending.slice(cut);
          }
        }
      }
      if (item.next && run.dataset) run.dataset.cursor = item.next;
      if (docs.length >= 512) docs = await writeDocs(db, docs);
      opts.onProgress?.({ documents: run.documents, tokens: run.tokens, windows: run.windows, chars });
      if (opts.maxTokens !== undefined && !current && run.tokens >= opts.maxTokens) break;
    }
  } catch (err) {
    if (!(err instanceof Error && err.name === 'DatasetPausedError' && run.dataset)) throw err;
    // Only whole documents were consumed (dataset rows are one piece each), so the packer state and the cursor
    // of the last one describe the run exactly; nothing is written that a resume would write again.
    await writeDocs(db, docs);
    run.dataset.resume = { packer: builder.state(), windows: writer.pending() };
    run.status = 'paused';
    run.error = err.message;
    await saveManifest(db, run);
    throw err;
  }
  await writer.add(builder.flush());
  await writer.flush();
  await writeDocs(db, docs);
  if (run.totalRows === 0) throw new EmptyCorpusError(run.files.length, run.rejections);
  if (run.totalRows === (run.heldOutRows ?? 0)) {
    const share = `${((run.heldOut?.share ?? 0) * 100).toFixed(1)}%`;
    throw new AllHeldOutError(
      `no run was made: all ${run.documents} document(s) fell in the held-out share (${share}), so nothing is left to train on. ` +
        'Lower the held-out share, or add documents.',
    );
  }
  run.status = 'ready';
  await saveManifest(db, run);
}

/** A pre-tokenised row as its own window, as SAELens uses it: row[:context_size], nothing added. */
function asIs(doc: number, ids: ArrayLike<number>, contextLength: number): Window {
  const n = Math.min(ids.length, contextLength);
  const w: Window = { ids: [], doc: [], offset: [] };
  for (let i = 0; i < n; i++) {
    w.ids.push(ids[i]);
    w.doc.push(doc);
    w.offset.push(i);
  }
  return w;
}

async function writeDocs(db: StoreDb, docs: DocumentRecord[]): Promise<DocumentRecord[]> {
  const tx = db.transaction('documents', 'readwrite');
  await Promise.all([...docs.map((d) => tx.store.put(d)), tx.done]);
  return [];
}
